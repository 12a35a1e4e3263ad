using Dapper;
using Microsoft.Data.Sqlite;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>The dependency DAG (CONTRACT §8.12-8.13): edges only ever added, cycles refused (W19).</summary>
public sealed class DependencyStore(SqliteDatabase database)
{
    public void Add(WriteContext ctx, string taskId, string upstreamId)
    {
        if (taskId == upstreamId)
            throw new ApiError(400, "invalid_dependency", "a task cannot depend on itself");
        if (TaskStore.Find(ctx.Db, taskId) is null)
            throw new ApiError(404, "task_not_found", $"no task has id \"{taskId}\"");
        var upstream = TaskStore.Find(ctx.Db, upstreamId)
            ?? throw new ApiError(404, "dependency_task_not_found", $"upstream task \"{upstreamId}\" does not exist");
        if (ctx.Db.ExecuteScalar<long>(
                "SELECT COUNT(*) FROM task_dependencies WHERE task_id = @taskId AND depends_on_task_id = @upstreamId",
                new { taskId, upstreamId }) > 0)
            throw new ApiError(409, "duplicate_dependency", "this dependency already exists");
        if (Reaches(ctx.Db, upstreamId, taskId))
            throw new ApiError(400, "invalid_dependency",
                $"task \"{upstreamId}\" already depends (directly or transitively) on \"{taskId}\"; the edge would close a cycle");

        ctx.Db.Execute(
            "INSERT INTO task_dependencies (task_id, depends_on_task_id, created_at_ms) VALUES (@taskId, @upstreamId, @now)",
            new { taskId, upstreamId, now = ctx.Now });
        if (!upstream.Terminal)
            ctx.Db.Execute("UPDATE tasks SET blocked_deps = blocked_deps + 1 WHERE id = @taskId", new { taskId });
    }

    public IReadOnlyList<DependencyRow> List(string taskId)
    {
        using var db = database.OpenRead();
        return ListOf(db, taskId);
    }

    internal static IReadOnlyList<DependencyRow> ListOf(SqliteConnection db, string taskId) =>
        db.Query<DependencyRow>("""
            SELECT d.depends_on_task_id, u.terminal AS resolved
            FROM task_dependencies d JOIN tasks u ON u.id = d.depends_on_task_id
            WHERE d.task_id = @taskId ORDER BY d.created_at_ms, d.rowid
            """, new { taskId }).AsList();

    /// <summary>
    /// A task's stage moved into or out of a terminal stage: its dependents gain or lose one
    /// unresolved upstream, so their claimability stays true in the same transaction.
    /// </summary>
    internal static void OnTerminalChanged(WriteContext ctx, string taskId, bool nowTerminal) =>
        ctx.Db.Execute(
            $"UPDATE tasks SET blocked_deps = blocked_deps {(nowTerminal ? "-" : "+")} 1 " +
            "WHERE id IN (SELECT task_id FROM task_dependencies WHERE depends_on_task_id = @taskId)",
            new { taskId });

    /// <summary>Whether <paramref name="from"/> depends, directly or transitively, on <paramref name="target"/>.</summary>
    private static bool Reaches(SqliteConnection db, string from, string target) =>
        db.ExecuteScalar<long>("""
            WITH RECURSIVE upstream(id) AS (
                SELECT depends_on_task_id FROM task_dependencies WHERE task_id = @from
                UNION
                SELECT d.depends_on_task_id FROM task_dependencies d JOIN upstream u ON d.task_id = u.id)
            SELECT COUNT(*) FROM upstream WHERE id = @target
            """, new { from, target }) > 0;
}
