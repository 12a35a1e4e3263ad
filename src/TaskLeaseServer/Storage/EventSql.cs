using System.Text;

namespace TaskLeaseServer.Storage;

/// <summary>
/// The event feed's query, the same text on both engines but for how a list of kinds is matched.
/// Every event carries its task (operator events on a task that never ran have no run), so a task's
/// events are one range of ix_events_task.
/// </summary>
internal static class EventSql
{
    public static string For(EventFilter filter, string kindsTerm)
    {
        var where = new StringBuilder("e.id > @after AND e.id <= @upTo");
        if (filter.RunId is not null) where.Append(" AND e.run_id = @RunId");
        if (filter.TaskId is not null) where.Append(" AND e.task_id = @TaskId");
        if (filter.PipelineId is not null) where.Append(" AND t.pipeline_id = @PipelineId");
        if (filter.Role is not null) where.Append(" AND r.agent_role = @Role");
        if (filter.Kinds is not null) where.Append(" AND ").Append(kindsTerm);
        return $"""
            SELECT e.id, e.run_id, e.ts_ms, e.kind, e.data_json, e.task_id, t.pipeline_id, r.agent_role
            FROM events e LEFT JOIN runs r ON r.id = e.run_id JOIN tasks t ON t.id = e.task_id
            WHERE {where} ORDER BY e.id LIMIT @take
            """;
    }
}
