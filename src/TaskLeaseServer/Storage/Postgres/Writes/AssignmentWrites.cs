using Dapper;

namespace TaskLeaseServer.Storage.Postgres.Writes;

internal sealed class AssignmentWrites(PostgresWriteUnit unit) : IAssignmentWrites
{
    public void Assign(string taskId, string agentId, string? assignedBy)
    {
        var args = new { taskId, agentId, assignedBy, now = unit.Now };
        unit.Db.Execute("UPDATE task_assignments SET active = false, updated_at_ms = @now WHERE task_id = @taskId", args);
        unit.Db.Execute("""
            INSERT INTO task_assignments (task_id, agent_id, assigned_by, active, created_at_ms, updated_at_ms)
            VALUES (@taskId, @agentId, @assignedBy, true, @now, @now)
            ON CONFLICT (task_id, agent_id) DO UPDATE SET active = true, assigned_by = @assignedBy, updated_at_ms = @now
            """, args);
        unit.Db.Execute("UPDATE tasks SET assignee = @agentId WHERE id = @taskId", args);
    }

    public bool Unassign(string taskId, string agentId)
    {
        var args = new { taskId, agentId, now = unit.Now };
        var changed = unit.Db.Execute(
            "UPDATE task_assignments SET active = false, updated_at_ms = @now WHERE task_id = @taskId AND agent_id = @agentId AND active = true",
            args);
        if (changed == 0) return false;
        unit.Db.Execute("UPDATE tasks SET assignee = NULL WHERE id = @taskId AND assignee = @agentId", args);
        return true;
    }
}
