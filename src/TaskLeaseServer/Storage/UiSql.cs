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
    public static string Lane(AttentionLane lane, Func<string, string> hint) => lane switch
    {
        AttentionLane.DeadLettered => $"""
            SELECT {TaskRow.Select} FROM tasks {hint("ix_tasks_list_dead_lettered")}
            WHERE dead_letter_reason IS NOT NULL AND canceled_at_ms IS NULL
            ORDER BY created_at_ms DESC, id DESC LIMIT @take
            """,
        AttentionLane.Retrying => $"""
            SELECT {TaskRow.Select} FROM tasks {hint("ix_tasks_ui_retrying")}
            WHERE failed_runs > 0 AND role IS NOT NULL AND dead_letter_reason IS NULL AND canceled_at_ms IS NULL
            ORDER BY updated_at_ms DESC, id DESC LIMIT @take
            """,
        // The rows of /ops/queue's stuck figure: running runs started before the cutoff (ix_runs_running).
        AttentionLane.Stuck => $"""
            SELECT {TaskRow.Select} FROM tasks WHERE id IN (
              SELECT task_id FROM runs {hint("ix_runs_running")}
              WHERE status = 'running' AND started_at_ms <= @stuckBeforeMs ORDER BY started_at_ms LIMIT @take)
            AND role IS NOT NULL
            ORDER BY created_at_ms, id
            """,
        AttentionLane.Blocked => $"""
            SELECT {TaskRow.Select} FROM tasks {hint("ix_tasks_ui_blocked")}
            WHERE blocked_deps > 0 AND canceled_at_ms IS NULL AND dead_letter_reason IS NULL
            ORDER BY created_at_ms, id LIMIT @take
            """,
        _ => $"""
            SELECT {TaskRow.Select} FROM tasks {hint("ix_tasks_ui_canceled")}
            WHERE canceled_at_ms IS NOT NULL
            ORDER BY canceled_at_ms DESC, id DESC LIMIT @take
            """,
    };

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
        TaskListQuery.Build(filter, filter.Search!, dialect, null,
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
