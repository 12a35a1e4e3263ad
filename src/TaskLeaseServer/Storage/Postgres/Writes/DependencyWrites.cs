using Dapper;

namespace TaskLeaseServer.Storage.Postgres.Writes;

/// <summary>
/// Edges of the task DAG. Adding one takes a database-wide transaction lock first, so the cycle
/// check of one addition always sees every edge committed before it: two concurrent additions
/// A→B and B→A cannot both pass it.
/// </summary>
internal sealed class DependencyWrites(PostgresWriteUnit unit) : IDependencyWrites
{
    public bool TryAdd(string taskId, string upstreamId)
    {
        unit.Db.Execute("SELECT pg_advisory_xact_lock(hashtextextended('tls:dag', 0))");
        return unit.Db.Execute("""
            INSERT INTO task_dependencies (task_id, depends_on_task_id, created_at_ms) VALUES (@taskId, @upstreamId, @now)
            ON CONFLICT DO NOTHING
            """, new { taskId, upstreamId, now = unit.Now }) == 1;
    }

    public bool Reaches(string from, string target) =>
        unit.Db.ExecuteScalar<long>("""
            WITH RECURSIVE upstream(id) AS (
                SELECT depends_on_task_id FROM task_dependencies WHERE task_id = @from
                UNION
                SELECT d.depends_on_task_id FROM task_dependencies d JOIN upstream u ON d.task_id = u.id)
            SELECT COUNT(*) FROM upstream WHERE id = @target
            """, new { from, target }) > 0;

    /// <summary>
    /// The caller read the upstream as unfinished before this unit's edge existed; it may have
    /// finished since, and its completion did not see the uncommitted edge. So the task's unfinished
    /// upstreams are locked (FOR SHARE, in id order: a completion waits for this unit, or has
    /// committed and is visible to the next statement) and counted, instead of adding one blindly.
    /// </summary>
    public void Block(string taskId)
    {
        unit.Db.Execute("""
            SELECT u.id FROM tasks u JOIN task_dependencies d ON d.depends_on_task_id = u.id
            WHERE d.task_id = @taskId ORDER BY u.id FOR SHARE OF u
            """, new { taskId });
        unit.Db.Execute("""
            UPDATE tasks SET blocked_deps = (
                SELECT COUNT(*) FROM task_dependencies d JOIN tasks u ON u.id = d.depends_on_task_id
                WHERE d.task_id = @taskId AND NOT u.terminal)
            WHERE id = @taskId
            """, new { taskId });
    }

    /// <summary>The upstream is read FOR SHARE first (upstream before dependent, as a completing upstream locks them).</summary>
    public bool Remove(string taskId, string upstreamId)
    {
        var upstreamTerminal = unit.Db.QuerySingleOrDefault<bool?>("SELECT terminal FROM tasks WHERE id = @upstreamId FOR SHARE", new { upstreamId });
        if (unit.Db.Execute("DELETE FROM task_dependencies WHERE task_id = @taskId AND depends_on_task_id = @upstreamId",
                new { taskId, upstreamId }) == 0) return false;
        if (upstreamTerminal == false)
            unit.Db.Execute("UPDATE tasks SET blocked_deps = blocked_deps - 1 WHERE id = @taskId", new { taskId });
        return true;
    }
}
