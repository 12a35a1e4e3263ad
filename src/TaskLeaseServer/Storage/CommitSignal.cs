namespace TaskLeaseServer.Storage;

/// <summary>
/// A task that may have become claimable: its role, and the agent it is assigned to (null: anyone).
/// <paramref name="All"/>: any number of the role's tasks may have (a role resumed): wake every waiter of the role.
/// </summary>
public readonly record struct Wake(string Role, string? Assignee, bool All = false);

/// <summary>
/// What one committed unit may have changed for waiting clients: tasks that may be claimable now
/// (one <see cref="Wake"/> per task), whether it appended events, and the earliest time at which a
/// task it scheduled becomes claimable (a retry delay). <see cref="EventKeys"/>: what the appended
/// events can be matched on, so a node whose streams match none of them need not read them; null
/// when not known (too many, a recheck, an older node's notice): then any stream may match.
/// <see cref="Recheck"/> is no commit: it asks every listener to look again because notices may
/// have been lost (a reconnect, the safety tick).
/// </summary>
public sealed record CommitNotice(IReadOnlyList<Wake> Wakes, bool Events, long? DueAtMs, bool Recheck = false,
    IReadOnlyList<EventKey>? EventKeys = null)
{
    public static readonly CommitNotice Check = new([], Events: true, DueAtMs: null, Recheck: true);

    public bool IsEmpty => Wakes.Count == 0 && !Events && DueAtMs is null && !Recheck;
}

/// <summary>
/// The after-commit notices of every unit, in process. Units raise them (<see cref="IWriteUnit.Claimable"/>,
/// <see cref="IWriteUnit.DueAt"/>, event appends); the executor delivers them here after the commit,
/// never for a unit that was undone, so a listener woken by one always finds the committed rows.
/// An engine with several nodes also relays them between nodes and delivers the others' here.
/// </summary>
public sealed class CommitSignal
{
    private long _delivered;

    /// <summary>Listeners: the claim waiters, the event feed, the due-time timer. Called on the committing thread: keep them short.</summary>
    public event Action<CommitNotice>? Committed;

    /// <summary>Notices delivered so far (for tests and metrics).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    public void Deliver(CommitNotice notice)
    {
        if (notice.IsEmpty) return;
        Interlocked.Increment(ref _delivered);
        Committed?.Invoke(notice);
    }
}
