using System.Text;
using Dapper;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Sqlite;

public sealed record NewArtifact(string Kind, string Uri, string? TaskId, string? RunId, string? Sha256, long? SizeBytes, string MetaJson);

public sealed record ArtifactFilter(string? TaskId, string? RunId, (long CreatedAtMs, string Id)? After, int Limit);

public sealed class ArtifactRow
{
    public string Id { get; set; } = "";
    public string? TaskId { get; set; }
    public string? RunId { get; set; }
    public long CreatedAtMs { get; set; }
    public string Kind { get; set; } = "";
    public string Uri { get; set; } = "";
    public string? Sha256Hex { get; set; }
    public long? SizeBytes { get; set; }
    public string MetaJson { get; set; } = "{}";
}

/// <summary>Artifacts: pointers to outputs of a task or run (CONTRACT §8.23-8.24).</summary>
public sealed class ArtifactStore(SqliteDatabase database)
{
    private const string Columns = "id, task_id, run_id, created_at_ms, kind, uri, sha256_hex, size_bytes, meta_json";

    /// <summary>Unknown task or run ids are 404s (the reference let the foreign key fail with a 500, W20).</summary>
    public static string Create(WriteContext ctx, NewArtifact artifact)
    {
        if (artifact.TaskId is { } taskId && !Exists(ctx, "tasks", taskId))
            throw new ApiError(404, "task_not_found", $"no task has id \"{taskId}\"; omit task_id or name an existing task");
        if (artifact.RunId is { } runId && !Exists(ctx, "runs", runId))
            throw ApiError.NotFound($"no run has id \"{runId}\"; omit run_id or name an existing run");

        var id = Ids.New();
        ctx.Db.Execute($"""
            INSERT INTO artifacts ({Columns})
            VALUES (@id, @TaskId, @RunId, @now, @Kind, @Uri, @Sha256, @SizeBytes, @MetaJson)
            """, new { id, artifact.TaskId, artifact.RunId, now = ctx.Now, artifact.Kind, artifact.Uri, artifact.Sha256,
            artifact.SizeBytes, artifact.MetaJson });
        return id;
    }

    /// <summary>One page in (created_at_ms, id) order, strictly after the cursor, with a look-ahead row.</summary>
    public (IReadOnlyList<ArtifactRow> Items, bool More) List(ArtifactFilter filter)
    {
        var sql = new StringBuilder($"SELECT {Columns} FROM artifacts WHERE 1 = 1");
        if (filter.TaskId is not null) sql.Append(" AND task_id = @TaskId");
        if (filter.RunId is not null) sql.Append(" AND run_id = @RunId");
        if (filter.After is not null) sql.Append(" AND (created_at_ms, id) > (@afterMs, @afterId)");
        sql.Append(" ORDER BY created_at_ms, id LIMIT @take");

        using var db = database.OpenRead();
        var rows = db.Query<ArtifactRow>(sql.ToString(), new
        {
            filter.TaskId, filter.RunId, afterMs = filter.After?.CreatedAtMs, afterId = filter.After?.Id, take = filter.Limit + 1,
        }).AsList();
        var more = rows.Count > filter.Limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        return (rows, more);
    }

    private static bool Exists(WriteContext ctx, string table, string id) =>
        ctx.Db.ExecuteScalar<long>($"SELECT COUNT(*) FROM {table} WHERE id = @id", new { id }) > 0;
}
