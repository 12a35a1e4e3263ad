using Dapper;

namespace TaskLeaseServer.Storage.Sqlite.Writes;

internal sealed class DependencyWrites(SqliteWriteUnit unit) : IDependencyWrites
{
    public bool TryAdd(string taskId, string upstreamId) =>
        unit.Db.Execute("""
            INSERT INTO task_dependencies (task_id, depends_on_task_id, created_at_ms) VALUES (@taskId, @upstreamId, @now)
            ON CONFLICT DO NOTHING
            """, new { taskId, upstreamId, now = unit.Now }) == 1;

    public bool Reaches(string from, string target) =>
        unit.Db.ExecuteScalar<long>("""
            WITH RECURSIVE upstream(id) AS (
                SELECT depends_on_task_id FROM task_dependencies WHERE task_id = @from
                UNION
                SELECT d.depends_on_task_id FROM task_dependencies d JOIN upstream u ON d.task_id = u.id)
            SELECT COUNT(*) FROM upstream WHERE id = @target
            """, new { from, target }) > 0;

    public void Block(string taskId) =>
        unit.Db.Execute("UPDATE tasks SET blocked_deps = blocked_deps + 1 WHERE id = @taskId", new { taskId });

    public bool Remove(string taskId, string upstreamId)
    {
        var upstreamTerminal = unit.Db.ExecuteScalar<long?>("SELECT terminal FROM tasks WHERE id = @upstreamId", new { upstreamId });
        if (unit.Db.Execute("DELETE FROM task_dependencies WHERE task_id = @taskId AND depends_on_task_id = @upstreamId",
                new { taskId, upstreamId }) == 0) return false;
        if (upstreamTerminal == 0)
            unit.Db.Execute("UPDATE tasks SET blocked_deps = blocked_deps - 1 WHERE id = @taskId", new { taskId });
        return true;
    }
}
