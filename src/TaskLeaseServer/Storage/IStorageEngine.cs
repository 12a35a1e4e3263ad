namespace TaskLeaseServer.Storage;

/// <summary>
/// One storage engine (SQLite today): its schema, its write executor, its read side. Everything
/// above Storage/ talks to these interfaces only; the SQL, the transaction shape and the
/// housekeeping an engine needs stay inside its own folder.
/// </summary>
public interface IStorageEngine : IDisposable
{
    /// <summary>"sqlite" or "postgresql", for logs and the about page.</summary>
    string Name { get; }

    /// <summary>Where the data lives, safe to log (no password).</summary>
    string Location { get; }

    /// <summary>Creates or upgrades the schema; safe to call on every start.</summary>
    void Migrate();

    IWriteExecutor Writer { get; }
    IReads Reads { get; }

    /// <summary>Which node of those sharing the database runs the sweeper.</summary>
    ISweeperLeadership Sweeper { get; }

    IEventLog EventLog { get; }
}

/// <summary>
/// Where the event log is settled, for streams that must deliver every event exactly once in id
/// order: an engine whose ids are not handed out in commit order (PostgreSQL sequences) holds back
/// a missing id until no transaction that may hold it is still running.
/// </summary>
public interface IEventLog
{
    /// <summary>Reads the log's state now (one short read; callers serialise their calls).</summary>
    EventHorizon Advance();

    /// <summary>Nobody follows the log for now: the next <see cref="Advance"/> may start from the log's end.</summary>
    void Rest();
}

/// <summary>
/// Runs units of work. The promise: each unit is atomic, its caller is answered only after the
/// commit that holds its effect, and a unit that throws is undone alone (other units batched with
/// it commit). The notice a unit raised (<see cref="CommitSignal"/>) is delivered after that
/// commit, never for a unit that was undone.
/// </summary>
public interface IWriteExecutor
{
    Task<T> Run<T>(Func<IWriteUnit, T> unit);

    /// <summary>Units waiting to run (a gauge for operators).</summary>
    long Queued { get; }
}

/// <summary>What one unit of work can do, all inside one transaction, at one clock reading.</summary>
public interface IWriteUnit
{
    /// <summary>The unit's "now" (Unix ms): every write of the unit uses this one reading.</summary>
    long Now { get; }

    /// <summary>
    /// Runs <paramref name="work"/> so that its writes alone are undone when it throws (the
    /// exception goes on) or when <paramref name="keep"/> says its result must not stand, while the
    /// unit goes on (an idempotent request records its error answer this way).
    /// </summary>
    T Nested<T>(Func<T> work, Func<T, bool> keep);

    /// <summary>
    /// One task of <paramref name="role"/> (assigned to <paramref name="assignee"/>, or to anyone) may
    /// have become claimable: one waiter is woken for it after this unit commits.
    /// </summary>
    void Claimable(string? role, string? assignee = null);

    /// <summary>Any number of the role's tasks may have become claimable (a role resumed): every waiter of the role looks.</summary>
    void WakeRole(string role);

    /// <summary>A task this unit scheduled becomes claimable at <paramref name="atMs"/> (the due-time timer wakes waiters then).</summary>
    void DueAt(long atMs);

    IPipelineWrites Pipelines { get; }
    ITaskWrites Tasks { get; }
    IDependencyWrites Dependencies { get; }
    IAssignmentWrites Assignments { get; }
    ILeaseWrites Leases { get; }
    IRunWrites Runs { get; }
    IIdempotencyWrites Idempotency { get; }
    IKvWrites Kv { get; }
    IArtifactWrites Artifacts { get; }
    IOtlpWrites Otlp { get; }
    IApiKeyWrites Keys { get; }
    IRoleWrites Roles { get; }
}
