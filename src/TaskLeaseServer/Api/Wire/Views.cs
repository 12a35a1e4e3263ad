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
    IReadOnlyList<TaskAssignment> Assignments, IReadOnlyList<AvailableTransition> AvailableTransitions);

public sealed record ClaimResponse(TaskView Task, Run Run, string LeaseId, string LeaseToken, long ExpiresAtMs);
public sealed record HeartbeatResponse(long ExpiresAtMs);

public sealed record RunEvent(long Id, string RunId, long TsMs, string Kind, RawJson Data);

public sealed record TransitionResponse(string PreviousStage, string NewStage, string Trigger);

public sealed record Artifact(string Id, string? TaskId, string? RunId, long CreatedAtMs, string Kind, string Uri,
    string? Sha256, long? SizeBytes, RawJson Meta);

public sealed record StoreEntry(string Namespace, string Key, RawJson Value, long CreatedAtMs, long UpdatedAtMs);

public sealed record QueueRoleStats(string Role, long ClaimableCount, long? OldestClaimableAgeMs, long FailedCount,
    long StuckCount, long NearExpiryLeases);
public sealed record QueueOpsResponse(IReadOnlyList<QueueRoleStats> Roles, long GeneratedAtMs);

public sealed record OtlpIngestResponse(long BatchId, long AcceptedSpans, string Stored);

/// <summary>An ingested span (GET /spans, an extension): attributes are OTLP/JSON KeyValue arrays.</summary>
public sealed record SpanView(long Id, string Name, string TraceId, string SpanId, string? ParentSpanId, string? Kind,
    long? StartTimeUnixNano, long? EndTimeUnixNano, string? StatusCode, string? StatusMessage, RawJson Attributes,
    RawJson ResourceAttributes, string? ScopeName, string? ScopeVersion, string? RunId, string? TaskId, long BatchId);

public sealed record BulkItemResult(string Id, bool Ok,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ErrorDetail? Error);
public sealed record BulkActionResponse(IReadOnlyList<BulkItemResult> Items, long Matched);

/// <summary>
/// One reason of GET /tasks/{id}/inspect; its evidence follows code and message as further
/// properties (see docs/api.md for each code's).
/// </summary>
public sealed record InspectReasonView(string Code, string Message);
public sealed record InspectResponse(string TaskId, string Status, bool Claimable, IReadOnlyList<InspectReasonView> Reasons,
    string NextAction);
