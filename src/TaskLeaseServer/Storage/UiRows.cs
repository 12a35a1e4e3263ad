namespace TaskLeaseServer.Storage;

// What the dashboard reads besides the API's rows (Ui/Pages): each from a bounded, index-backed query.

/// <summary>The Attention page's lanes; each is one index range (migrations SQLite 010, PostgreSQL 008).</summary>
public enum AttentionLane
{
    /// <summary>Out of attempts, not canceled; newest first.</summary>
    DeadLettered,
    /// <summary>Failed runs behind them, still worked (not dead-lettered, canceled or finished); latest change first.</summary>
    Retrying,
    /// <summary>A run running since before the stuck cutoff, oldest first: the /ops/queue stuck figure's rows.</summary>
    Stuck,
    /// <summary>Waiting for upstream tasks, not canceled or dead-lettered; oldest first.</summary>
    Blocked,
    /// <summary>Canceled, latest cancel first.</summary>
    Canceled,
}

/// <summary>An agent id seen in runs, with its live leases (the leases table holds only unreaped ones).</summary>
public sealed class AgentRow
{
    public string AgentId { get; set; } = "";
    public long? LastRunStartedAtMs { get; set; }
    public long LiveLeases { get; set; }
    /// <summary>The latest heartbeat of its leases still in the table; null when it holds none.</summary>
    public long? LastHeartbeatMs { get; set; }
}

/// <summary>A lease still in the table (live, or expired and not yet reaped), with its task's title and stage.</summary>
public sealed class LeaseViewRow
{
    public const string Columns =
        "l.id AS lease_id, l.run_id, l.task_id, l.agent_id, l.expires_at_ms, l.last_heartbeat_ms, t.title, t.stage";

    public string LeaseId { get; set; } = "";
    public string RunId { get; set; } = "";
    public string TaskId { get; set; } = "";
    public string AgentId { get; set; } = "";
    public long ExpiresAtMs { get; set; }
    public long LastHeartbeatMs { get; set; }
    public string Title { get; set; } = "";
    public string Stage { get; set; } = "";
}
