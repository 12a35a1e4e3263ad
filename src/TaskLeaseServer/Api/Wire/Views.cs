using System.Text.Json.Serialization;

namespace TaskLeaseServer.Api.Wire;

// What clients see (CONTRACT §7.4); TaskView is the contract's "Task" (renamed to stay clear of System.Threading.Tasks.Task). Property order follows the contract; names are snake_case.

public sealed record ErrorDetail(string Code, string Message);
public sealed record ErrorResponse(ErrorDetail Error);
public sealed record IdResponse(string Id);
public sealed record EventIdResponse(long Id);
public sealed record BulkTaskCreateResponse(IReadOnlyList<string> Ids);
public sealed record StatusResponse(string Status);

public sealed record HealthStageCount(string Stage, long Count);
public sealed record HealthResponse(string Status, string Version, IReadOnlyList<HealthStageCount> TasksByStage, long ActiveLeases);

public sealed record IndexLinks(string Health, string Openapi, string Swagger);
public sealed record ServerIndex(string Name, string Version, string Description, IndexLinks Links);

public sealed record Pipeline(string Id, string Name, RawJson Definition, long CreatedAtMs);

/// <summary>The contract's Task, then the fields of EXTENSIONS §1 (status derived by Domain/TaskStatusRule).</summary>
public record TaskView(string Id, string PipelineId, string Stage, string Title, string Description, long Priority,
    RawJson Metadata, long TaskVersion, long NextEligibleAtMs, long RetryDelayMs, long? MaxAttempts,
    string? DeadLetterStage, string? DeadLetterReason, long CreatedAtMs, long UpdatedAtMs,
    string Status, bool Paused, long? CanceledAtMs, string? CancelReason, long NotBeforeMs);

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record Run(string Id, string TaskId, long Attempt, string Status, string? AgentId, string? AgentRole,
    long? StartedAtMs, long? EndedAtMs);

/// <summary>A run with its outcome and live lease (EXTENSIONS §5): GET /runs/{id}, GET /tasks/{id}/runs.</summary>
public sealed record RunDetails(string Id, string TaskId, long Attempt, string Status, string? AgentId, string? AgentRole,
    long? StartedAtMs, long? EndedAtMs, RawJson Usage, string? Error, string? FailureKind, string? LeaseId,
    long? LeaseExpiresAtMs, long? LastHeartbeatMs);

public sealed record Dependency(string DependsOnTaskId, bool Resolved);

public sealed record Assignment(string TaskId, string AgentId, string? AssignedBy, bool Active, long CreatedAtMs, long UpdatedAtMs);

/// <summary>An assignment inside task details: the same fields without task_id.</summary>
public sealed record TaskAssignment(string AgentId, string? AssignedBy, bool Active, long CreatedAtMs, long UpdatedAtMs);

public sealed record AvailableTransition(string Trigger, string To, IReadOnlyList<string> RequiredGates);

/// <summary>
/// Task details: every Task field, then the run, edges, assignments and the ways out of the stage,
/// flattened into one object by <see cref="TaskDetailsConverter"/>. latest_run is omitted, not null,
/// for a task that was never claimed (CONTRACT §8.10).
/// </summary>
[JsonConverter(typeof(TaskDetailsConverter))]
public sealed record TaskDetails(TaskView Task, Run? LatestRun, IReadOnlyList<Dependency> Dependencies,
    IReadOnlyList<TaskAssignment> Assignments, IReadOnlyList<AvailableTransition> AvailableTransitions, RawJson UsageTotal);

public sealed record ClaimResponse(TaskView Task, Run Run, string LeaseId, string LeaseToken, long ExpiresAtMs);
public sealed record HeartbeatResponse(long ExpiresAtMs);

public sealed record RunEvent(long Id, string RunId, long TsMs, string Kind, RawJson Data);

public sealed record TransitionResponse(string PreviousStage, string NewStage, string Trigger);

public sealed record Artifact(string Id, string? TaskId, string? RunId, long CreatedAtMs, string Kind, string Uri,
    string? Sha256, long? SizeBytes, RawJson Meta);

public sealed record StoreEntry(string Namespace, string Key, RawJson Value, long CreatedAtMs, long UpdatedAtMs);

/// <summary>
/// A role's queue figures; the last three appear only for a role with a stage that has max_concurrent
/// (EXTENSIONS §12): the sum of those limits, the live leases in those stages, and each stage's figures.
/// </summary>
public sealed record QueueRoleStats(string Role, long ClaimableCount, long? OldestClaimableAgeMs, long FailedCount,
    long StuckCount, long NearExpiryLeases,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? ActiveLeases = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? MaxConcurrent = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<LimitedStage>? LimitedStages = null);

public sealed record LimitedStage(string PipelineId, string Stage, long MaxConcurrent, long ActiveLeases);
public sealed record QueueOpsResponse(IReadOnlyList<QueueRoleStats> Roles, long GeneratedAtMs);

/// <summary>A key as created: the only answer that ever holds <c>key</c>.</summary>
public sealed record ApiKeyCreated(string Id, string Name, IReadOnlyList<string> Scopes, string Key, long CreatedAtMs, long? ExpiresAtMs);

/// <summary>A key as listed: never the key itself.</summary>
public sealed record ApiKeyView(string Id, string Name, IReadOnlyList<string> Scopes, long CreatedAtMs, long? ExpiresAtMs, long? LastUsedAtMs);

public sealed record RoleView(string Role, bool Paused, bool Draining, string? PauseReason, long ClaimableCount, long ActiveLeases, long WaitingClaims);
public sealed record RoleList(IReadOnlyList<RoleView> Items);
public sealed record RoleControlResponse(string Role, bool Paused);
public sealed record RolesControlResponse(IReadOnlyList<string> Roles, bool Paused);
public sealed record DrainResponse(string Role, long RemainingLeases, bool TimedOut);
public sealed record DrainAllResponse(IReadOnlyList<string> Roles, long RemainingLeases, bool TimedOut);
public sealed record RoleEventView(long Id, long TsMs, string Kind, string Role, RawJson Data);

public sealed record OtlpIngestResponse(long BatchId, long AcceptedSpans, string Stored);

/// <summary>An ingested span (GET /spans, an extension): attributes are OTLP/JSON KeyValue arrays.</summary>
public sealed record SpanView(long Id, string Name, string TraceId, string SpanId, string? ParentSpanId, string? Kind,
    long? StartTimeUnixNano, long? EndTimeUnixNano, string? StatusCode, string? StatusMessage, RawJson Attributes,
    RawJson ResourceAttributes, string? ScopeName, string? ScopeVersion, string? RunId, string? TaskId, long BatchId);
