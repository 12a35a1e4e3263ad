using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Tests.Storage;

/// <summary>
/// A unit in which another writer changes one task's version right after the unit first reads it,
/// as a concurrent transaction would on an engine with several writers: the read row goes stale,
/// and the write fenced on its version must fail.
/// </summary>
internal sealed class VersionRacingUnit(IWriteUnit inner, string taskId) : IWriteUnit
{
    public long Now => inner.Now;
    public T Nested<T>(Func<T> work, Func<T, bool> keep) => inner.Nested(work, keep);
    public void Claimable(string? role, string? assignee = null) => inner.Claimable(role, assignee);
    public void DueAt(long atMs) => inner.DueAt(atMs);
    public void WakeRole(string role) => inner.WakeRole(role);
    public IPipelineWrites Pipelines => inner.Pipelines;
    public ITaskWrites Tasks { get; } = new RacingTasks(inner.Tasks, taskId);
    public IDependencyWrites Dependencies => inner.Dependencies;
    public IAssignmentWrites Assignments => inner.Assignments;
    public ILeaseWrites Leases => inner.Leases;
    public IRunWrites Runs => inner.Runs;
    public IIdempotencyWrites Idempotency => inner.Idempotency;
    public IKvWrites Kv => inner.Kv;
    public IArtifactWrites Artifacts => inner.Artifacts;
    public IOtlpWrites Otlp => inner.Otlp;
    public IApiKeyWrites Keys => inner.Keys;
    public IRoleWrites Roles => inner.Roles;

    private sealed class RacingTasks(ITaskWrites inner, string taskId) : ITaskWrites
    {
        private bool _raced;

        public TaskRow? Find(string id)
        {
            var row = inner.Find(id);
            if (id == taskId && row is not null && !_raced)
            {
                _raced = true;
                inner.MoveStage(new StageMove(id, row.TaskVersion, row.Stage, row.Role, row.Terminal, AfterSuccess: false));
            }
            return row;
        }

        public bool? IsTerminal(string id) => inner.IsTerminal(id);
        public void InsertMany(IReadOnlyList<TaskInsert> tasks) => inner.InsertMany(tasks);
        public bool MoveStage(StageMove move) => inner.MoveStage(move);
        public IReadOnlyList<Wake> UpstreamResolved(string upstreamId) => inner.UpstreamResolved(upstreamId);
        public void UpstreamReopened(string upstreamId) => inner.UpstreamReopened(upstreamId);
        public void ClearLease(string taskId, string leaseId) => inner.ClearLease(taskId, leaseId);
        public void ScheduleRetry(string id, long nextEligibleAtMs, bool waiting) => inner.ScheduleRetry(id, nextEligibleAtMs, waiting);
        public void MarkDeadLetter(string id, string reason, long nextEligibleAtMs) => inner.MarkDeadLetter(id, reason, nextEligibleAtMs);
        public IReadOnlyList<Wake> PromoteDueRetries() => inner.PromoteDueRetries();
        public long? NextDueAtMs() => inner.NextDueAtMs();
        public TaskRow? Lock(string id) => inner.Lock(id);
        public TaskDetailsRows? Details(string id) => inner.Details(id);
        public void Cancel(string id, string? reason) => inner.Cancel(id, reason);
        public void Requeue(string id, long? attemptsResetAt) => inner.Requeue(id, attemptsResetAt);
        public void SetPaused(string id, bool paused, string? reason) => inner.SetPaused(id, paused, reason);
        public void Edit(string id, TaskEdit edit) => inner.Edit(id, edit);
        public IReadOnlyList<Wake> Delete(string id) => inner.Delete(id);
    }
}
