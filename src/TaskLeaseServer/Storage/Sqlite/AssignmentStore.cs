using Dapper;
using Microsoft.Data.Sqlite;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>Assignments (CONTRACT §8.14-8.16): at most one active per task, history kept.</summary>
public sealed class AssignmentStore(SqliteDatabase database)
{
    public void Assign(WriteContext ctx, string taskId, string agentId, string? assignedBy)
    {
        if (TaskStore.Find(ctx.Db, taskId) is null)
            throw new ApiError(404, "task_not_found", $"no task has id \"{taskId}\"");
        var args = new { taskId, agentId, assignedBy, now = ctx.Now };
        ctx.Db.Execute("UPDATE task_assignments SET active = 0, updated_at_ms = @now WHERE task_id = @taskId", args);
        ctx.Db.Execute("""
            INSERT INTO task_assignments (task_id, agent_id, assigned_by, active, created_at_ms, updated_at_ms)
            VALUES (@taskId, @agentId, @assignedBy, 1, @now, @now)
            ON CONFLICT (task_id, agent_id) DO UPDATE SET active = 1, assigned_by = @assignedBy, updated_at_ms = @now
            """, args);
        ctx.Db.Execute("UPDATE tasks SET assignee = @agentId WHERE id = @taskId", args);
    }

    public void Unassign(WriteContext ctx, string taskId, string agentId)
    {
        var args = new { taskId, agentId, now = ctx.Now };
        var changed = ctx.Db.Execute(
            "UPDATE task_assignments SET active = 0, updated_at_ms = @now WHERE task_id = @taskId AND agent_id = @agentId AND active = 1",
            args);
        if (changed == 0) throw ApiError.NotFound($"task \"{taskId}\" has no active assignment for agent \"{agentId}\"");
        ctx.Db.Execute("UPDATE tasks SET assignee = NULL WHERE id = @taskId AND assignee = @agentId", args);
    }

    public IReadOnlyList<AssignmentRow> List(string taskId)
    {
        using var db = database.OpenRead();
        return ListOf(db, taskId);
    }

    internal static IReadOnlyList<AssignmentRow> ListOf(SqliteConnection db, string taskId) =>
        db.Query<AssignmentRow>("""
            SELECT task_id, agent_id, assigned_by, active, created_at_ms, updated_at_ms
            FROM task_assignments WHERE task_id = @taskId ORDER BY created_at_ms, rowid
            """, new { taskId }).AsList();
}
