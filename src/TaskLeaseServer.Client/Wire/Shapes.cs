using System.Text.Json;

namespace TaskLeaseServer.Client;

// The server's answers (CONTRACT §7.4 and the extensions), as records. Property names map to
// snake_case through WireJson; JsonElement carries the fields that are any JSON value. A test
// keeps these in agreement with the server's /openapi.json.

public sealed record Pipeline(string Id, string Name, JsonElement Definition, long CreatedAtMs);

/// <summary>A task as every list and the claim show it (the fields after updated_at_ms are extensions).</summary>
public record TaskItem(string Id, string PipelineId, string Stage, string Title, string Description, long Priority,
    JsonElement Metadata, long TaskVersion, long NextEligibleAtMs, long RetryDelayMs, long? MaxAttempts,
    string? DeadLetterStage, string? DeadLetterReason, long CreatedAtMs, long UpdatedAtMs)
{
    /// <summary>Derived state: canceled, dead_lettered, done, leased, paused, blocked, waiting, unroutable or ready.</summary>
    public string? Status { get; init; }
    public bool Paused { get; init; }
    public long? CanceledAtMs { get; init; }
    public string? CancelReason { get; init; }
    public long NotBeforeMs { get; init; }
}

/// <summary>GET /tasks/{id}: the task and what surrounds it.</summary>
public sealed record TaskDetails(string Id, string PipelineId, string Stage, string Title, string Description, long Priority,
    JsonElement Metadata, long TaskVersion, long NextEligibleAtMs, long RetryDelayMs, long? MaxAttempts,
    string? DeadLetterStage, string? DeadLetterReason, long CreatedAtMs, long UpdatedAtMs)
    : TaskItem(Id, PipelineId, Stage, Title, Description, Priority, Metadata, TaskVersion, NextEligibleAtMs,
        RetryDelayMs, MaxAttempts, DeadLetterStage, DeadLetterReason, CreatedAtMs, UpdatedAtMs)
{
    /// <summary>Null when the task was never claimed.</summary>
    public Run? LatestRun { get; init; }
    public IReadOnlyList<Dependency> Dependencies { get; init; } = [];
    public IReadOnlyList<TaskAssignment> Assignments { get; init; } = [];
    public IReadOnlyList<AvailableTransition> AvailableTransitions { get; init; } = [];
    /// <summary>Sum of the numeric usage fields of every run (extension); empty when none.</summary>
    public JsonElement? UsageTotal { get; init; }
}

public sealed record Run(string Id, string TaskId, long Attempt, string Status, string? AgentId, string? AgentRole,
    long? StartedAtMs, long? EndedAtMs)
{
    // GET /runs/{id} and GET /tasks/{id}/runs only (extension); null elsewhere.
    public JsonElement? Usage { get; init; }
    public string? Error { get; init; }
    public string? FailureKind { get; init; }
    public string? LeaseId { get; init; }
    public long? LeaseExpiresAtMs { get; init; }
    public long? LastHeartbeatMs { get; init; }
}

public sealed record Dependency(string DependsOnTaskId, bool Resolved);
public sealed record Assignment(string TaskId, string AgentId, string? AssignedBy, bool Active, long CreatedAtMs, long UpdatedAtMs);
public sealed record TaskAssignment(string AgentId, string? AssignedBy, bool Active, long CreatedAtMs, long UpdatedAtMs);
public sealed record AvailableTransition(string Trigger, string To, IReadOnlyList<string> RequiredGates);

/// <summary>A granted lease: the task as it was at the claim, the new run, and the bearer token for the lease routes.</summary>
public sealed record Claim(TaskItem Task, Run Run, string LeaseId, string LeaseToken, long ExpiresAtMs);

public sealed record Heartbeat(long ExpiresAtMs);

/// <summary>A run event; run_id is null for a task's own operator events (canceled, paused, …).</summary>
public sealed record RunEvent(long Id, string? RunId, long TsMs, string Kind, JsonElement Data);

public sealed record TransitionResult(string PreviousStage, string NewStage, string Trigger);

public sealed record Artifact(string Id, string? TaskId, string? RunId, long CreatedAtMs, string Kind, string Uri,
    string? Sha256, long? SizeBytes, JsonElement Meta);

public sealed record StoreEntry(string Namespace, string Key, JsonElement Value, long CreatedAtMs, long UpdatedAtMs);

public sealed record HealthStageCount(string Stage, long Count);
public sealed record Health(string Status, string Version, IReadOnlyList<HealthStageCount> TasksByStage, long ActiveLeases);

public sealed record QueueRole(string Role, long ClaimableCount, long? OldestClaimableAgeMs, long FailedCount,
    long StuckCount, long NearExpiryLeases)
{
    // Only on a role with a stage limited by max_concurrent (extension).
    public long? ActiveLeases { get; init; }
    public long? MaxConcurrent { get; init; }
    public IReadOnlyList<LimitedStage>? LimitedStages { get; init; }
}
public sealed record LimitedStage(string PipelineId, string Stage, long MaxConcurrent, long ActiveLeases);
public sealed record QueueStats(IReadOnlyList<QueueRole> Roles, long GeneratedAtMs);

public sealed record OtlpIngest(long BatchId, long AcceptedSpans, string Stored);

/// <summary>An ingested span as GET /spans lists it; ids are lowercase hex, kind and status_code the OTLP enum number as text.</summary>
public sealed record Span(long Id, string Name, string TraceId, string SpanId, string? ParentSpanId, string? Kind,
    long? StartTimeUnixNano, long? EndTimeUnixNano, string? StatusCode, string? StatusMessage, JsonElement Attributes,
    JsonElement ResourceAttributes, string? ScopeName, string? ScopeVersion, string? RunId, string? TaskId, long BatchId);

/// <summary>GET /: what the server is and where its health, API document and explorer are.</summary>
public sealed record ServerIndex(string Name, string Version, string Description, IndexLinks Links);
public sealed record IndexLinks(string Health, string Openapi, string Swagger);

/// <summary>One page of a paginated list; <see cref="TaskLeaseClient"/> also walks every page for you.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

internal sealed record IdBody(string Id);
internal sealed record IdsBody(IReadOnlyList<string> Ids);
internal sealed record EventIdBody(long Id);
internal sealed record ErrorBody(ErrorDetail? Error);
internal sealed record ErrorDetail(string? Code, string? Message);
