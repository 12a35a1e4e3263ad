using TaskLeaseServer.Domain;

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
        "terminal, lease_id, role, blocked_deps, assignee, paused, pause_reason, canceled_at_ms, cancel_reason, " +
        "not_before_ms, attempts_reset_at";

    /// <summary>The columns plus the live lease's expiry, for reads from the tasks table (the status needs it).</summary>
    public const string Select = Columns +
        ", (SELECT l.expires_at_ms FROM leases l WHERE l.id = tasks.lease_id) AS lease_expires_at_ms";

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
    /// <summary>Upstream tasks not yet in a terminal stage.</summary>
    public long BlockedDeps { get; set; }
    /// <summary>The active assignment's agent, if any.</summary>
    public string? Assignee { get; set; }
    public bool Paused { get; set; }
    public string? PauseReason { get; set; }
    public long? CanceledAtMs { get; set; }
    public string? CancelReason { get; set; }
    public long NotBeforeMs { get; set; }
    /// <summary>Failed runs with a later attempt count toward max_attempts (set by requeue).</summary>
    public long AttemptsResetAt { get; set; }
    /// <summary>The expiry of the lease named by <see cref="LeaseId"/>; null when not read or not yet written.</summary>
    public long? LeaseExpiresAtMs { get; set; }

    /// <summary>The rule inputs as of <paramref name="now"/>: a lease whose expiry was not read counts as live.</summary>
    public ClaimState State(long now) => new(Role, DeadLetterReason is not null, BlockedDeps,
        LeaseId is not null && (LeaseExpiresAtMs ?? long.MaxValue) > now, NextEligibleAtMs, Assignee, Paused,
        CanceledAtMs is not null, NotBeforeMs, Terminal);
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

public sealed class RevokedLease
{
    public string Id { get; set; } = "";
    public string RunId { get; set; } = "";
    public string TaskId { get; set; } = "";
    public byte[] TokenHash { get; set; } = [];
    public string Reason { get; set; } = "";
    public string Actor { get; set; } = "";
    public long RevokedAtMs { get; set; }
}

public sealed class ApiKeyRow
{
    public const string Columns = "id, name, scopes, key_hash, created_at_ms, expires_at_ms, last_used_at_ms";

    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>The scope names the key was created with, comma-separated.</summary>
    public string Scopes { get; set; } = "";
    public byte[] KeyHash { get; set; } = [];
    public long CreatedAtMs { get; set; }
    public long? ExpiresAtMs { get; set; }
    public long? LastUsedAtMs { get; set; }
}

/// <summary>A role as GET /ops/roles shows it: its stored control and its live figures.</summary>
public sealed class RoleStateRow
{
    public string Role { get; set; } = "";
    public bool Paused { get; set; }
    public bool DrainRequested { get; set; }
    public string? Reason { get; set; }
    public long ClaimableCount { get; set; }
    public long ActiveLeases { get; set; }
}

/// <summary>A server event that belongs to no task: role_paused, role_resumed.</summary>
public sealed class RoleEventRow
{
    public long Id { get; set; }
    public long TsMs { get; set; }
    public string Kind { get; set; } = "";
    public string Role { get; set; } = "";
    public string DataJson { get; set; } = "{}";
}
