using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage;

// The operations a unit of work can perform, one interface per resource. Each is one statement's
// worth of meaning; the sequences that combine them (claim, transition, fail, sweep, …) are written
// once in Lifecycle/. Writes that a lease protects take a LeaseFence and answer false when the
// fence no longer holds: "0 rows" means "not yours any more", whatever the engine.

public interface IPipelineWrites
{
    /// <summary>Inserts the pipeline and its role index; false when the name is taken.</summary>
    bool TryInsert(string id, string name, string definitionJson, PipelineDefinition definition);

    /// <summary>The parsed definition, as this unit sees it (a pipeline created earlier in it included).</summary>
    PipelineDefinition? Definition(string pipelineId);
}

public interface ITaskWrites
{
    TaskRow? Find(string id);

    /// <summary>Whether the task is in a terminal stage; null when it does not exist.</summary>
    bool? IsTerminal(string id);

    /// <summary>Inserts checked tasks with their dependency edges and assignments, in order.</summary>
    void InsertMany(IReadOnlyList<TaskInsert> tasks);

    /// <summary>
    /// Moves the task to a stage and bumps its version, only if it is still at
    /// <see cref="StageMove.ExpectedVersion"/>; false otherwise.
    /// </summary>
    bool MoveStage(StageMove move);

    /// <summary>The upstream entered a terminal stage: returns the dependents it made claimable.</summary>
    IReadOnlyList<Wake> UpstreamResolved(string upstreamId);

    /// <summary>The upstream left its terminal stage: its dependents count it as unresolved again.</summary>
    void UpstreamReopened(string upstreamId);

    /// <summary>Drops the task's lease mark, only if it is still <paramref name="leaseId"/>.</summary>
    void ClearLease(string taskId, string leaseId);

    void ScheduleRetry(string id, long nextEligibleAtMs, bool waiting);
    void MarkDeadLetter(string id, string reason, long nextEligibleAtMs);

    /// <summary>When the next task waiting out a delay becomes claimable (Unix ms), or null when none waits.</summary>
    long? NextDueAtMs();

    /// <summary>Makes tasks whose retry delay has passed ready again; returns them as wakes.</summary>
    IReadOnlyList<Wake> PromoteDueRetries();
}

public interface IDependencyWrites
{
    /// <summary>Adds the edge; false when it already exists.</summary>
    bool TryAdd(string taskId, string upstreamId);

    /// <summary>Whether <paramref name="from"/> depends, directly or transitively, on <paramref name="target"/>.</summary>
    bool Reaches(string from, string target);

    /// <summary>Counts one more unresolved upstream on the task.</summary>
    void Block(string taskId);
}

public interface IAssignmentWrites
{
    /// <summary>Makes the agent the task's one active assignee (history kept).</summary>
    void Assign(string taskId, string agentId, string? assignedBy);

    /// <summary>Ends the agent's active assignment; false when there was none.</summary>
    bool Unassign(string taskId, string agentId);
}

public interface ILeaseWrites
{
    /// <summary>
    /// Finds the best ready task for the filter and marks it leased by <paramref name="leaseId"/>
    /// with a conditional write; returns the task as marked, or null when none is ready.
    /// </summary>
    TaskRow? ClaimNext(ClaimFilter filter, string leaseId);

    /// <summary>Opens the claimed task's run (next attempt number) and its lease.</summary>
    RunRow Open(TaskRow task, NewLease lease);

    /// <summary>Live leases held on tasks in <paramref name="stage"/> (any pipeline).</summary>
    long LiveInStage(string stage);

    /// <summary>
    /// Live leases held on tasks in this stage of this pipeline, counted so that two claims counting
    /// at once on any node see each other (the limit of EXTENSIONS §12 holds under races).
    /// </summary>
    long LiveInPipelineStage(string pipelineId, string stage);

    LeaseRow? ById(string leaseId);
    LeaseRow? ByRun(string runId);

    /// <summary>Sets the expiry, fenced; false when the lease is gone, expired or not this token's.</summary>
    bool Extend(LeaseFence fence, long expiresAtMs);

    /// <summary>Deletes the lease, fenced; false when the fence no longer holds.</summary>
    bool End(LeaseFence fence);

    /// <summary>Leases past their expiry, oldest first.</summary>
    IReadOnlyList<LeaseRow> Expired(int max);

    /// <summary>Deletes a lease that is still expired; false when it was extended meanwhile or is gone.</summary>
    bool Reap(LeaseRow lease);
}

public interface IRunWrites
{
    RunRow? Find(string runId);

    /// <summary>Appends an event; returns its id.</summary>
    long AppendEvent(string runId, string kind, string dataJson);

    /// <summary>Appends an event for the lease holder, fenced; null when the fence no longer holds.</summary>
    long? AppendAsHolder(LeaseFence fence, string runId, string kind, string dataJson);

    void End(string runId, RunEnd end);

    /// <summary>Failed or abandoned runs of the task since its attempts were last reset (they count toward max_attempts).</summary>
    long FailedAttempts(string taskId);
}

public interface IIdempotencyWrites
{
    /// <summary>Serialises requests with one scope for the rest of the unit (a no-op under one writer).</summary>
    void Serialize(IdempotencyScope scope);

    StoredResponse? Find(IdempotencyScope scope);

    /// <summary>Records the answer unless one is already there (the first record wins).</summary>
    void Record(IdempotencyScope scope, int status, byte[] body);

    int Purge(long olderThanMs);
}

public interface IKvWrites
{
    void Put(string ns, string key, string valueJson);
    void Delete(string ns, string key);
    void DeleteNamespace(string ns);
}

public interface IArtifactWrites
{
    bool TaskExists(string taskId);
    bool RunExists(string runId);
    void Insert(string id, NewArtifact artifact);
}

public interface IApiKeyWrites
{
    /// <summary>Inserts the key; false when another key has its name.</summary>
    bool TryInsert(ApiKeyRow key);

    /// <summary>Deletes the key (revoked from the next request on, on every node); false when there is none.</summary>
    bool Delete(string id);

    /// <summary>Records a use; never moves last_used_at_ms backwards.</summary>
    void Touch(string id, long usedAtMs);
}

/// <summary>Role pause state (EXTENSIONS §9), read by every claim.</summary>
public interface IRoleWrites
{
    /// <summary>Whether claims for the role are stopped now.</summary>
    bool IsPaused(string role);

    /// <summary>Pauses or resumes the role; returns false when it already was in that state (no event then).</summary>
    bool Set(string role, bool paused, bool drain, string? reason, string actor);

    /// <summary>Every role a pipeline names, and every role with a stored control, in name order.</summary>
    IReadOnlyList<string> Known();

    void AppendEvent(string role, string kind, string dataJson);
}

public interface IOtlpWrites
{
    /// <summary>Stores the batch and its spans; returns the batch id.</summary>
    long Ingest(OtlpBatch batch, IReadOnlyList<OtlpSpan> spans);

    /// <summary>One bounded step of retention; returns the rows deleted (0 = done).</summary>
    int Purge(long olderThanMs, int maxBatches, int maxSpans);
}
