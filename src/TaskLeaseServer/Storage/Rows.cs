namespace TaskLeaseServer.Storage;

// Rows as stored, whatever the engine. Dapper fills them by column name (snake_case columns map to
// these properties); Api/Wire/Mapping turns them into what clients see.

public sealed class PipelineRow
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string DefinitionJson { get; set; } = "";
    public long CreatedAtMs { get; set; }
}

public sealed class TaskRow
{
    public const string Columns =
        "id, pipeline_id, stage, title, description, priority, metadata_json, task_version, next_eligible_at_ms, " +
        "max_attempts, retry_delay_ms, dead_letter_stage, dead_letter_reason, created_at_ms, updated_at_ms, " +
        "terminal, lease_id, role, assignee";

    public string Id { get; set; } = "";
    public string PipelineId { get; set; } = "";
    public string Stage { get; set; } = "";
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public long Priority { get; set; }
    public string MetadataJson { get; set; } = "{}";
    public long TaskVersion { get; set; }
    public long NextEligibleAtMs { get; set; }
    public long? MaxAttempts { get; set; }
    public long RetryDelayMs { get; set; }
    public string? DeadLetterStage { get; set; }
    public string? DeadLetterReason { get; set; }
    public long CreatedAtMs { get; set; }
    public long UpdatedAtMs { get; set; }
    public bool Terminal { get; set; }
    public string? LeaseId { get; set; }
    /// <summary>The agent role of the current stage (null: nobody claims it there).</summary>
    public string? Role { get; set; }
    /// <summary>The agent of the active assignment (null: any agent of the role may claim it).</summary>
    public string? Assignee { get; set; }
}

public sealed class RunRow
{
    public const string Columns = "id, task_id, attempt, status, agent_id, agent_role, started_at_ms, ended_at_ms";

    public string Id { get; set; } = "";
    public string TaskId { get; set; } = "";
    public long Attempt { get; set; }
    public string Status { get; set; } = "";
    public string? AgentId { get; set; }
    public string? AgentRole { get; set; }
    public long? StartedAtMs { get; set; }
    public long? EndedAtMs { get; set; }
}

public sealed class LeaseRow
{
    public string Id { get; set; } = "";
    public string RunId { get; set; } = "";
    public string TaskId { get; set; } = "";
    public string AgentId { get; set; } = "";
    public byte[] TokenHash { get; set; } = [];
    public long TtlMs { get; set; }
    public long ExpiresAtMs { get; set; }
}

public sealed class EventRow
{
    public long Id { get; set; }
    public string RunId { get; set; } = "";
    public long TsMs { get; set; }
    public string Kind { get; set; } = "";
    public string DataJson { get; set; } = "{}";
    // Filled by the event feed's reads only (EventsFor): what stream filters match on.
    public string? TaskId { get; set; }
    public string? PipelineId { get; set; }
    public string? AgentRole { get; set; }
}

/// <summary>A run with what GET /runs/{id} shows besides the contract's fields (EXTENSIONS §5).</summary>
public sealed class RunDetailsRow
{
    public const string Columns =
        "r.id, r.task_id, r.attempt, r.status, r.agent_id, r.agent_role, r.started_at_ms, r.ended_at_ms, r.usage_json, " +
        "r.error_text, r.failure_kind, l.id AS lease_id, l.expires_at_ms AS lease_expires_at_ms, l.last_heartbeat_ms";

    public string Id { get; set; } = "";
    public string TaskId { get; set; } = "";
    public long Attempt { get; set; }
    public string Status { get; set; } = "";
    public string? AgentId { get; set; }
    public string? AgentRole { get; set; }
    public long? StartedAtMs { get; set; }
    public long? EndedAtMs { get; set; }
    public string UsageJson { get; set; } = "{}";
    public string? ErrorText { get; set; }
    public string? FailureKind { get; set; }
    /// <summary>The lease while it exists (until it ends or the sweeper reaps it).</summary>
    public string? LeaseId { get; set; }
    public long? LeaseExpiresAtMs { get; set; }
    public long? LastHeartbeatMs { get; set; }
}

public sealed class DependencyRow
{
    public string DependsOnTaskId { get; set; } = "";
    public bool Resolved { get; set; }
}

public sealed class AssignmentRow
{
    public string TaskId { get; set; } = "";
    public string AgentId { get; set; } = "";
    public string? AssignedBy { get; set; }
    public bool Active { get; set; }
    public long CreatedAtMs { get; set; }
    public long UpdatedAtMs { get; set; }
}

public sealed class ArtifactRow
{
    public string Id { get; set; } = "";
    public string? TaskId { get; set; }
    public string? RunId { get; set; }
    public long CreatedAtMs { get; set; }
    public string Kind { get; set; } = "";
    public string Uri { get; set; } = "";
    public string? Sha256Hex { get; set; }
    public long? SizeBytes { get; set; }
    public string MetaJson { get; set; } = "{}";
}

public sealed class StoreEntryRow
{
    public string Namespace { get; set; } = "";
    public string Key { get; set; } = "";
    public string ValueJson { get; set; } = "null";
    public long CreatedAtMs { get; set; }
    public long UpdatedAtMs { get; set; }
}

public sealed class StoredResponse
{
    public byte[] RequestHash { get; set; } = [];
    public long Status { get; set; }
    public byte[] Body { get; set; } = [];
}
