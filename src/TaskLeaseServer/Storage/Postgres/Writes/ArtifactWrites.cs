using Dapper;

namespace TaskLeaseServer.Storage.Postgres.Writes;

internal sealed class ArtifactWrites(PostgresWriteUnit unit) : IArtifactWrites
{
    public bool TaskExists(string taskId) =>
        unit.Db.ExecuteScalar<long>("SELECT COUNT(*) FROM tasks WHERE id = @taskId", new { taskId }) > 0;

    public bool RunExists(string runId) =>
        unit.Db.ExecuteScalar<long>("SELECT COUNT(*) FROM runs WHERE id = @runId", new { runId }) > 0;

    public void Insert(string id, NewArtifact artifact) =>
        unit.Db.Execute("""
            INSERT INTO artifacts (id, task_id, run_id, created_at_ms, kind, uri, sha256_hex, size_bytes, meta_json)
            VALUES (@id, @TaskId, @RunId, @now, @Kind, @Uri, @Sha256, @SizeBytes, @MetaJson)
            """, new { id, artifact.TaskId, artifact.RunId, now = unit.Now, artifact.Kind, artifact.Uri, artifact.Sha256,
            artifact.SizeBytes, artifact.MetaJson });
}
