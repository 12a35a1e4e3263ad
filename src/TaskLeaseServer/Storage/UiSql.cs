using System.Data;
using Dapper;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage;

/// <summary>
/// The dashboard's statements, one text for both engines; SQLite names the index each must use
/// (<paramref name="hint"/> turns an index name into "INDEXED BY …", or into nothing for PostgreSQL),
/// so a lane can never silently become a walk of the tasks table.
/// </summary>
public static class UiSql
{
    /// <summary>A lane of (key, id)-ordered rows on one partial index: its terms, its key column, its direction.</summary>
    private sealed record Shape(string Index, string Where, string Key, bool Newest);

    private static Shape Of(AttentionLane lane) => lane switch
    {
        AttentionLane.DeadLettered => new("ix_tasks_list_dead_lettered", "dead_letter_reason IS NOT NULL AND canceled_at_ms IS NULL", "created_at_ms", true),
        AttentionLane.Retrying => new("ix_tasks_ui_retrying",
            "failed_runs > 0 AND role IS NOT NULL AND dead_letter_reason IS NULL AND canceled_at_ms IS NULL", "updated_at_ms", true),
        AttentionLane.Blocked => new("ix_tasks_ui_blocked", "blocked_deps > 0 AND canceled_at_ms IS NULL AND dead_letter_reason IS NULL", "created_at_ms", false),
        AttentionLane.Canceled => new("ix_tasks_ui_canceled", "canceled_at_ms IS NOT NULL", "canceled_at_ms", true),
        _ => throw new ArgumentOutOfRangeException(nameof(lane), lane, "the stuck lane is read from the runs"),
    };

    /// <summary>The lane's key of a row: where its next page starts (<see cref="Lane"/> with paged).</summary>
    public static long KeyOf(AttentionLane lane, TaskRow row) => Of(lane).Key switch
    {
        "updated_at_ms" => row.UpdatedAtMs,
        "canceled_at_ms" => row.CanceledAtMs ?? 0,
        _ => row.CreatedAtMs,
    };

    /// <param name="paged">
    /// after the row (@afterKey, @afterId) in the lane's order: a row-value range of the lane's
    /// (key, id) index, so a later page is as cheap as the first (not for the stuck lane)
    /// </param>
    public static string Lane(AttentionLane lane, Func<string, string> hint, bool paged = false)
    {
        // The rows of /ops/queue's stuck figure: running runs started before the cutoff (ix_runs_running).
        if (lane == AttentionLane.Stuck)
        {
            return $"""
                SELECT {TaskRow.Select} FROM tasks WHERE id IN (
                  SELECT task_id FROM runs {hint("ix_runs_running")}
                  WHERE status = 'running' AND started_at_ms <= @stuckBeforeMs ORDER BY started_at_ms LIMIT @take)
                AND role IS NOT NULL
                ORDER BY created_at_ms, id
                """;
        }
        var shape = Of(lane);
        var (dir, op) = shape.Newest ? (" DESC", "<") : ("", ">");
        var after = paged ? $" AND ({shape.Key}, id) {op} (@afterKey, @afterId)" : "";
        return $"""
            SELECT {TaskRow.Select} FROM tasks {hint(shape.Index)}
            WHERE {shape.Where}{after}
            ORDER BY {shape.Key}{dir}, id{dir} LIMIT @take
            """;
    }

    /// <summary>
    /// Whether the tasks page asks for leased tasks only (any other filter, sort or cursor beside it,
    /// but no full text). Leased tasks are few however large the backlog, and GET /tasks's listing
    /// finds them by walking its sort's index past every other task (seconds at a million).
    /// </summary>
    public static bool IsLeasedOnly(TaskFilter filter) => filter.Search is { Statuses: [TaskStatusRule.Leased], Text: null };

    /// <summary>
    /// The listing of GET /tasks (TaskListQuery: the same filters, status terms, sort and cursor) over
    /// the tasks of live leases, read from the leases table (bounded by the work in flight) and then
    /// sorted: the set is small. CROSS JOIN keeps leases the outer loop in SQLite; PostgreSQL's planner
    /// picks that order by itself.
    /// </summary>
    public static (string Sql, DynamicParameters Args) LeasedTasks(TaskFilter filter, TaskListQuery.Dialect dialect) =>
        TaskListQuery.Build(filter, filter.Search!, dialect, null, filter.Search!.After, filter.Limit + 1,
            "(SELECT tasks.* FROM leases CROSS JOIN tasks WHERE tasks.id = leases.task_id AND leases.expires_at_ms > @now) AS tasks");

    /// <summary>Downstream tasks through ix_dependencies_upstream.</summary>
    public const string Dependents = $"""
        SELECT {TaskRow.Select} FROM tasks WHERE id IN (SELECT task_id FROM task_dependencies WHERE depends_on_task_id = @taskId)
        ORDER BY created_at_ms, id LIMIT @take
        """;

    /// <summary>The next agent id after @after: one seek of ix_runs_agent, so a page of agents is a page of seeks.</summary>
    public const string NextAgent = "SELECT MIN(agent_id) FROM runs WHERE agent_id > @after";

    public const string LastRunOf = "SELECT MAX(started_at_ms) FROM runs WHERE agent_id = @agent";

    /// <summary>The leases table holds only unreaped leases, so grouping it is bounded by the work in flight.</summary>
    /// <param name="inAgents">the engine's "is one of @agents" ("IN @agents", "= ANY(@agents)")</param>
    public static string LeasesOfAgents(string inAgents) => $"""
        SELECT agent_id, SUM(CASE WHEN expires_at_ms > @now THEN 1 ELSE 0 END) AS live_leases, MAX(last_heartbeat_ms) AS last_heartbeat_ms
        FROM leases WHERE agent_id {inAgents} GROUP BY agent_id
        """;

    public static string Leases(bool ofAgent) => $"""
        SELECT {LeaseViewRow.Columns} FROM leases l JOIN tasks t ON t.id = l.task_id
        {(ofAgent ? "WHERE l.agent_id = @agentId" : "")}
        ORDER BY l.expires_at_ms, l.id LIMIT @take
        """;

    /// <summary>A page of agents: one index seek per agent id, then its leases from the (small) leases table.</summary>
    public static RowPage<AgentRow> Agents(IDbConnection db, string inAgents, string? afterAgentId, int limit, long now)
    {
        var agents = new List<AgentRow>();
        var after = afterAgentId ?? "";
        while (agents.Count <= limit && db.ExecuteScalar<string?>(NextAgent, new { after }) is { } next)
        {
            agents.Add(new AgentRow { AgentId = next, LastRunStartedAtMs = db.ExecuteScalar<long?>(LastRunOf, new { agent = next }) });
            after = next;
        }
        var leases = db.Query<AgentRow>(LeasesOfAgents(inAgents), new { now, agents = agents.Select(a => a.AgentId).ToArray() })
            .ToDictionary(a => a.AgentId, StringComparer.Ordinal);
        foreach (var agent in agents.Where(a => leases.ContainsKey(a.AgentId)))
        {
            agent.LiveLeases = leases[agent.AgentId].LiveLeases;
            agent.LastHeartbeatMs = leases[agent.AgentId].LastHeartbeatMs;
        }
        return RowPage<AgentRow>.Of(agents, limit);
    }
}
