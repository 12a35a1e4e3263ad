using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Tests.Storage.Postgres;

/// <summary>
/// A unit that calls <paramref name="after"/> right after one of its reads that a concurrent
/// unit could invalidate (the upstream's terminal flag, the cycle check, the idempotency lookup),
/// still inside its transaction: a fact starts the competing unit there, so the race is the one
/// the engine must survive, every time, rather than one that happens only now and then.
/// </summary>
internal sealed class PausingUnit(IWriteUnit inner, Action<string> after) : IWriteUnit, ITaskWrites, IDependencyWrites, IIdempotencyWrites
{
    public IWriteUnit Inner => inner;
    public long Now => inner.Now;
    public T Nested<T>(Func<T> work, Func<T, bool> keep) => inner.Nested(work, keep);
    public void Claimable(string? role, string? assignee = null) => inner.Claimable(role, assignee);
    public void DueAt(long atMs) => inner.DueAt(atMs);
    public void WakeRole(string role) => inner.WakeRole(role);
    public IPipelineWrites Pipelines => inner.Pipelines;
    public ITaskWrites Tasks => this;
    public IDependencyWrites Dependencies => this;
    public IAssignmentWrites Assignments => inner.Assignments;
    public ILeaseWrites Leases => inner.Leases;
    public IRunWrites Runs => inner.Runs;
    public IIdempotencyWrites Idempotency => this;
    public IKvWrites Kv => inner.Kv;
    public IArtifactWrites Artifacts => inner.Artifacts;
    public IOtlpWrites Otlp => inner.Otlp;
    public IApiKeyWrites Keys => inner.Keys;
    public IRoleWrites Roles => inner.Roles;

    public bool? IsTerminal(string id)
    {
        var terminal = inner.Tasks.IsTerminal(id);
        after(nameof(IsTerminal));
        return terminal;
    }

    public bool Reaches(string from, string target)
    {
        var reaches = inner.Dependencies.Reaches(from, target);
        after(nameof(Reaches));
        return reaches;
    }

    public StoredResponse? Find(IdempotencyScope scope)
    {
        var found = inner.Idempotency.Find(scope);
        after(nameof(Find));
        return found;
    }

    public TaskRow? Find(string id) => inner.Tasks.Find(id);
    public void InsertMany(IReadOnlyList<TaskInsert> tasks) => inner.Tasks.InsertMany(tasks);
    public bool MoveStage(StageMove move) => inner.Tasks.MoveStage(move);
    public IReadOnlyList<Wake> UpstreamResolved(string upstreamId) => inner.Tasks.UpstreamResolved(upstreamId);
    public void UpstreamReopened(string upstreamId) => inner.Tasks.UpstreamReopened(upstreamId);
    public void ClearLease(string taskId, string leaseId) => inner.Tasks.ClearLease(taskId, leaseId);
    public void ScheduleRetry(string id, long nextEligibleAtMs, bool waiting) => inner.Tasks.ScheduleRetry(id, nextEligibleAtMs, waiting);
    public void MarkDeadLetter(string id, string reason, long nextEligibleAtMs) => inner.Tasks.MarkDeadLetter(id, reason, nextEligibleAtMs);
    public IReadOnlyList<Wake> PromoteDueRetries() => inner.Tasks.PromoteDueRetries();
    public long? NextDueAtMs() => inner.Tasks.NextDueAtMs();
    public TaskRow? Lock(string id) => inner.Tasks.Lock(id);
    public TaskDetailsRows? Details(string id) => inner.Tasks.Details(id);
    public void Cancel(string id, string? reason) => inner.Tasks.Cancel(id, reason);
    public void Requeue(string id, long? attemptsResetAt) => inner.Tasks.Requeue(id, attemptsResetAt);
    public void SetPaused(string id, bool paused, string? reason) => inner.Tasks.SetPaused(id, paused, reason);
    public void Edit(string id, TaskEdit edit) => inner.Tasks.Edit(id, edit);
    public IReadOnlyList<Wake> Delete(string id) => inner.Tasks.Delete(id);
    public bool Remove(string taskId, string upstreamId) => inner.Dependencies.Remove(taskId, upstreamId);
    public bool TryAdd(string taskId, string upstreamId) => inner.Dependencies.TryAdd(taskId, upstreamId);
    public void Block(string taskId) => inner.Dependencies.Block(taskId);
    public void Serialize(IdempotencyScope scope) => inner.Idempotency.Serialize(scope);
    public void Record(IdempotencyScope scope, int status, byte[] body) => inner.Idempotency.Record(scope, status, body);
    public int Purge(long olderThanMs) => inner.Idempotency.Purge(olderThanMs);
}
