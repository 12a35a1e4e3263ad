using System.Text;

namespace TaskLeaseServer.Storage;

/// <summary>
/// The event feed's query, the same text on both engines but for how a list of kinds is matched.
/// Every event carries its task (operator events on a task that never ran have no run), so a task's
/// events are one range of ix_events_task.
/// </summary>
internal static class EventSql
{
    /// <summary>
    /// The RETURNING clause of an event insert: its id and what stream filters match it on, read as
    /// <see cref="AppendedEvent"/> for the unit's commit notice (the same values the feed's read joins).
    /// </summary>
    public const string Returning = """
        RETURNING id, task_id, run_id, kind,
            (SELECT t.pipeline_id FROM tasks t WHERE t.id = events.task_id) AS pipeline_id,
            (SELECT r.agent_role FROM runs r WHERE r.id = events.run_id) AS agent_role
        """;

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

/// <summary>One inserted event, as <see cref="EventSql.Returning"/> reads it.</summary>
internal sealed class AppendedEvent
{
    public long Id { get; set; }
    public string? TaskId { get; set; }
    public string? RunId { get; set; }
    public string Kind { get; set; } = "";
    public string? PipelineId { get; set; }
    public string? AgentRole { get; set; }

    public EventKey Key => new(RunId, TaskId, PipelineId, AgentRole, Kind);
}
