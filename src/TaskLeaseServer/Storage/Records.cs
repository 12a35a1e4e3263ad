using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage;

// What goes into and comes out of the storage operations, besides the rows of Rows.cs.

/// <summary>A page of rows in the list's order, and whether more follow the last one.</summary>
public sealed record RowPage<T>(IReadOnlyList<T> Items, bool More)
{
    /// <summary>A page of <paramref name="limit"/> rows from a query that asked for one more (the look-ahead row).</summary>
    public static RowPage<T> Of(List<T> rows, int limit)
    {
        var more = rows.Count > limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        return new RowPage<T>(rows, more);
    }
}

/// <summary>A task checked and ready to insert: its first stage's role and flags are already decided.</summary>
public sealed record TaskInsert(string Id, NewTask Task, string Stage, string? Role, bool Terminal, long BlockedDeps);

/// <param name="NotBeforeMs">the earliest claim time (EXTENSIONS §3); 0 = none</param>
/// <param name="Paused">created as a draft nobody claims until it is resumed</param>
public sealed record NewTask(string PipelineId, string Title, string Description, long Priority, string MetadataJson,
    long? MaxAttempts, long RetryDelayMs, string? DeadLetterStage, IReadOnlyList<string> Dependencies,
    string? AssignedAgentId, string? AssignedBy, long NotBeforeMs = 0, bool Paused = false);

/// <param name="AfterSuccess">
/// the move ends a successful run: the same write drops the lease mark and any retry delay or
/// dead-letter mark (one row update on the transition path)
/// </param>
public sealed record StageMove(string TaskId, long ExpectedVersion, string Stage, string? Role, bool Terminal, bool AfterSuccess);

/// <summary>
/// What a claim may take: the role's ready tasks, unassigned or assigned to the agent, outside full
/// stages (by stage name, the contract's per-state limits) and full (pipeline, stage) pairs (max_concurrent).
/// </summary>
public sealed record ClaimFilter(string Role, string AgentId, IReadOnlyList<string> FullStages,
    IReadOnlyList<PipelineStage>? FullPipelineStages = null)
{
    public bool Limited => FullStages.Count > 0 || FullPipelineStages is { Count: > 0 };

    /// <summary>The full pairs as "pipeline_id US stage" strings, as the claim SQL compares them.</summary>
    public string[] FullPairKeys => FullPipelineStages?.Select(s => s.PipelineId + "\u001f" + s.Stage).ToArray() ?? [];
}

public sealed record PipelineStage(string PipelineId, string Stage);

public sealed record StageLeases(string PipelineId, string Stage, long Count);

public sealed record NewLease(string LeaseId, string RunId, string AgentId, string AgentRole, byte[] TokenHash, long TtlMs, long ExpiresAtMs);

/// <summary>The lease a holder's write is conditional on: this id, this token, not yet expired.</summary>
public sealed record LeaseFence(string LeaseId, byte[] TokenHash);

/// <param name="FailureKind">what kind of failure ended the run (free text from the agent, or "lease_expired")</param>
public sealed record RunEnd(string Status, bool Failure, string? ErrorText = null, string? UsageJson = null, string? FailureKind = null);

/// <param name="Search">the filters and sorts of EXTENSIONS §11; null for the contract's listing</param>
public sealed record TaskFilter(string? Stage, string? PipelineId, (long CreatedAtMs, string Id)? After, int Limit, TaskSearch? Search = null);

/// <param name="RunUsages">the usage JSON of every run of the task, for usage_total</param>
public sealed record TaskDetailsRows(TaskRow Task, RunRow? LatestRun, IReadOnlyList<DependencyRow> Dependencies,
    IReadOnlyList<AssignmentRow> Assignments, PipelineDefinition Definition, IReadOnlyList<string> RunUsages);

/// <summary>
/// Which events a stream or list wants: every given filter narrows (run, task, pipeline, the run's
/// agent role, kinds); ids after <paramref name="AfterId"/> up to <paramref name="UpToId"/>, in id order.
/// </summary>
public sealed record EventFilter(string? RunId = null, string? TaskId = null, string? PipelineId = null, string? Role = null,
    IReadOnlyList<string>? Kinds = null)
{
    public bool Matches(EventRow e) => Matches(EventKey.Of(e));

    public bool Matches(EventKey e) =>
        (RunId is null || e.RunId == RunId) && (TaskId is null || e.TaskId == TaskId) &&
        (PipelineId is null || e.PipelineId == PipelineId) && (Role is null || e.Role == Role) &&
        (Kinds is null || Kinds.Contains(e.Kind));
}

/// <summary>
/// What an event is matched on by an <see cref="EventFilter"/>: its run (null for an event on a
/// task that has no run), task, the task's pipeline, the run's agent role, and its kind.
/// </summary>
public readonly record struct EventKey(string? RunId, string? TaskId, string? PipelineId, string? Role, string Kind)
{
    public static EventKey Of(EventRow e) => new(e.RunId, e.TaskId, e.PipelineId, e.AgentRole, e.Kind);
}

/// <summary>
/// Where the event log is settled: every event id up to <paramref name="UpToId"/> is committed or
/// never will be. <paramref name="GapPending"/>: a missing id above it may still commit; look again soon.
/// </summary>
public sealed record EventHorizon(long UpToId, bool GapPending);

public sealed record NewArtifact(string Kind, string Uri, string? TaskId, string? RunId, string? Sha256, long? SizeBytes, string MetaJson);

public sealed record ArtifactFilter(string? TaskId, string? RunId, (long CreatedAtMs, string Id)? After, int Limit);

/// <summary>One OTLP request as stored: its content type and either its JSON text or its bytes.</summary>
public sealed record OtlpBatch(string ContentType, string? PayloadJson, byte[]? PayloadBlob);

/// <summary>Filters of GET /spans; each given filter narrows the result, and paging is by span id.</summary>
public sealed record SpanFilter(string? RunId, string? TaskId, string? TraceId, long? AfterId, int Limit);

/// <param name="Text">the caller's words, as typed: the engine turns them into its own query syntax</param>
/// <param name="FilterPath">a JSON path; the entry's value there must be a string equal to <paramref name="FilterValue"/></param>
public sealed record KvQuery(string Text, string? Namespace, string? FilterPath, string? FilterValue, int Limit);

public sealed record StageCount(string Stage, long Count);

public sealed record HealthFigures(IReadOnlyList<StageCount> Stages, long ActiveLeases);

public sealed record RoleQueue(string Role, long ClaimableCount, long? OldestClaimableCreatedAtMs, long FailedCount,
    long StuckCount, long NearExpiryLeases);

/// <summary>The scope of an Idempotency-Key, bound to the caller's credential.</summary>
public sealed record IdempotencyScope(string Key, string Method, string Path, byte[] CredentialHash, byte[] RequestHash);

/// <summary>The fields of a PATCH /tasks/{id}; null = leave as is.</summary>
public sealed record TaskEdit(string? Title, string? Description, long? Priority, string? MetadataJson, long? NotBeforeMs,
    RetryEdit? RetryPolicy);

/// <summary>Retry-policy fields a PATCH sets; a field not sent keeps its value (null max_attempts = unlimited).</summary>
public sealed record RetryEdit(bool SetsMaxAttempts, long? MaxAttempts, long? RetryDelayMs, bool SetsDeadLetterStage,
    string? DeadLetterStage);
