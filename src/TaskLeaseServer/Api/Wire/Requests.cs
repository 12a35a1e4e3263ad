namespace TaskLeaseServer.Api.Wire;

// Request bodies as the OpenAPI document describes them (CONTRACT §8). Handlers read bodies with
// Api/Http/JsonBody, which applies the contract's lenient parsing rules (§1.5); these records only
// name the shapes, with the contract's schema names.

public sealed record RetryPolicy(long? MaxAttempts, long? RetryDelayMs, string? DeadLetterStage);

public sealed record PipelineStateDef(string? AgentRole, string? Description, bool? Terminal, string? WorkflowId, long? MaxConcurrent = null);

public sealed record PipelineTransitionDef(string From, string To, string Trigger, string? Instructions, IReadOnlyList<string>? RequiredGates);

public sealed record PipelineDefinition(string Initial, IReadOnlyDictionary<string, PipelineStateDef> States,
    IReadOnlyList<PipelineTransitionDef> Transitions);

public sealed record PipelineCreateRequest(string Name, PipelineDefinition Definition);

public sealed record TaskCreateRequest(string PipelineId, string Title, string Description, long? Priority, RawJson? Metadata,
    RetryPolicy? RetryPolicy, IReadOnlyList<string>? Dependencies, string? AssignedAgentId, string? AssignedBy,
    long? NotBeforeMs, bool? Paused);

public sealed record BulkTaskCreateRequest(IReadOnlyList<TaskCreateRequest> Tasks);

public sealed record DependencyCreateRequest(string DependsOnTaskId);

public sealed record AssignmentCreateRequest(string AgentId, string? AssignedBy);

public sealed record LeaseConcurrency(IReadOnlyDictionary<string, long>? PerState);

/// <param name="WaitMs">long poll (EXTENSIONS §2): wait up to this long for work, 0..30000</param>
public sealed record LeaseClaimRequest(string AgentId, string AgentRole, long? LeaseTtlMs, LeaseConcurrency? Concurrency, long? WaitMs);

public sealed record HeartbeatRequest(long? LeaseTtlMs);

public sealed record EventCreateRequest(string Kind, RawJson? Data);

public sealed record TransitionRequest(string Trigger, string? Instructions, RawJson? Usage, string? ExpectedStage, long? ExpectedTaskVersion);

/// <param name="Retryable">false: dead-letter now (EXTENSIONS §4); default true</param>
public sealed record FailRequest(string Error, RawJson? Usage, bool? Retryable, string? FailureKind);

public sealed record ArtifactCreateRequest(string Kind, string Uri, string? TaskId, string? RunId, string? Sha256, long? SizeBytes,
    RawJson? Meta);

/// <summary>`value` is required; JSON null is a valid value.</summary>
public sealed record StorePutRequest(RawJson Value);

public sealed record ApiKeyCreateRequest(string Name, IReadOnlyList<string> Scopes, long? ExpiresAtMs);

public sealed record RolePauseRequest(string? Reason);

public sealed record DrainRequest(long? TimeoutMs, string? Reason);

// Operator actions (EXTENSIONS §7, §8): every body and every field is optional unless marked.

public sealed record CancelRequest(string? Reason, string? Stage);

public sealed record RequeueRequest(string? Stage, bool? ResetAttempts, bool? Force, string? Reason);

public sealed record PauseRequest(string? Reason, bool? RevokeLease);

/// <summary>PATCH /tasks/{id}: the fields sent change; anything else in the body is 400 invalid_request.</summary>
public sealed record TaskPatchRequest(string? Title, string? Description, long? Priority, RawJson? Metadata,
    RetryPolicy? RetryPolicy, long? NotBeforeMs, long? ExpectedTaskVersion);

/// <summary>The filter of a bulk action: every field given narrows it; status is one status or several, comma-separated.</summary>
public sealed record BulkFilterRequest(string? PipelineId, string? Stage, string? Status, string? Role);

/// <summary>
/// `ids` (1..1000) or `filter` (with `limit`, 1..10000, default 1000), plus the single action's options.
/// `dry_run: true` changes nothing and answers `matched` (the count this body would act on) with no items.
/// </summary>
public sealed record BulkActionRequest(IReadOnlyList<string>? Ids, BulkFilterRequest? Filter, long? Limit, string? Reason,
    string? Stage, bool? ResetAttempts, bool? Force, bool? RevokeLease, bool? DryRun);
