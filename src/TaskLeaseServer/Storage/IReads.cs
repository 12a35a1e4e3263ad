namespace TaskLeaseServer.Storage;

/// <summary>
/// The read side: each call sees one consistent snapshot and never waits for writers. Reads that
/// feed a write decision happen inside the unit instead (<see cref="IWriteUnit"/>).
/// </summary>
public interface IReads
{
    IReadOnlyList<PipelineRow> Pipelines();
    PipelineRow? Pipeline(string id);

    RowPage<TaskRow> Tasks(TaskFilter filter);
    TaskDetailsRows? TaskDetails(string id);
    IReadOnlyList<DependencyRow> Dependencies(string taskId);
    IReadOnlyList<AssignmentRow> Assignments(string taskId);

    RowPage<EventRow> Events(string runId, long? afterId, int limit);

    /// <summary>Events the filter matches with ids in (afterId, upToId], in id order, with their task, pipeline and role.</summary>
    RowPage<EventRow> EventsFor(EventFilter filter, long afterId, long upToId, int limit);

    RunDetailsRow? Run(string runId);

    /// <summary>The task's runs by attempt after <paramref name="afterAttempt"/>; null when the task does not exist.</summary>
    RowPage<RunDetailsRow>? TaskRuns(string taskId, long? afterAttempt, int limit);

    bool TaskExists(string taskId);

    /// <summary>Whether the token is the one issued for this run (it stays valid for reading events).</summary>
    bool IsRunToken(string runId, byte[] tokenHash);

    RowPage<ArtifactRow> Artifacts(ArtifactFilter filter);
    RowPage<SpanRow> Spans(SpanFilter filter);

    StoreEntryRow? KvGet(string ns, string key);

    /// <summary>The whole namespace in key byte order.</summary>
    IReadOnlyList<StoreEntryRow> KvList(string ns);

    /// <summary>Full-text search; throws DomainError(InvalidQuery) for a query or path the engine cannot run.</summary>
    IReadOnlyList<StoreEntryRow> KvSearch(KvQuery query);

    StoredResponse? Idempotent(IdempotencyScope scope);

    HealthFigures Health(long now);
    IReadOnlyList<RoleQueue> Queue(long now, long stuckBeforeMs, long expiresByMs);

    /// <summary>The key with this hash (expired ones too: the caller decides), or null.</summary>
    ApiKeyRow? ApiKey(byte[] keyHash);

    RowPage<ApiKeyRow> ApiKeys((long CreatedAtMs, string Id)? after, int limit);

    /// <summary>
    /// Every role a pipeline names or a control is stored for, in name order, with its figures now;
    /// without <paramref name="claimable"/> the claimable count (a count of the claim index, the
    /// dearest figure) is left at 0, for a caller that has it from <see cref="Queue"/> already.
    /// </summary>
    IReadOnlyList<RoleStateRow> Roles(long now, bool claimable = true);

    /// <summary>Unexpired leases on tasks of the role (every role when null).</summary>
    long ActiveLeases(string? role, long now);

    RowPage<RoleEventRow> RoleEvents(long? afterId, int limit);

    /// <summary>Unexpired leases per (pipeline, stage) of the leased task, for the stages that hold any.</summary>
    IReadOnlyList<StageLeases> LiveLeasesByStage(long now);

    /// <summary>Ready tasks per role, for the queue-depth gauge.</summary>
    IReadOnlyList<(string Role, long Count)> ReadyByRole();

    // The dashboard's reads (Ui/Pages): bounded pages of index ranges, never a walk of the backlog.

    /// <summary>
    /// The first <paramref name="limit"/> tasks of an Attention lane, in its order (<see cref="AttentionLane"/>),
    /// or those after <paramref name="after"/> (the lane's key of a row, <see cref="UiSql.KeyOf"/>, and its id; not for the stuck lane).
    /// </summary>
    RowPage<TaskRow> Attention(AttentionLane lane, long now, long stuckBeforeMs, int limit, (long Key, string Id)? after = null);

    /// <summary>Tasks that depend on <paramref name="taskId"/> (downstream), oldest first.</summary>
    RowPage<TaskRow> Dependents(string taskId, int limit);

    /// <summary>Agent ids seen in runs, in id order after <paramref name="afterAgentId"/>, with their leases.</summary>
    RowPage<AgentRow> Agents(string? afterAgentId, int limit, long now);

    /// <summary>Leases still in the table, soonest expiry first; of one agent when given.</summary>
    RowPage<LeaseViewRow> Leases(string? agentId, int limit);

    /// <summary>
    /// The tasks page for status=leased (<see cref="UiSql.IsLeasedOnly"/>): the listing of GET /tasks,
    /// every filter, sort and cursor, over the tasks of live leases only (<see cref="UiSql.LeasedTasks"/>).
    /// </summary>
    RowPage<TaskRow> LeasedTasks(TaskFilter filter);
}
