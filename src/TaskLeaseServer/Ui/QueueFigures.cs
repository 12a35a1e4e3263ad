using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Ui;

/// <summary>
/// The /ops/queue figures for the overview, attention and roles pages. Their claimable count is a
/// count of the claim index, so with a large backlog every live page re-reading it would each pay
/// it: through <see cref="SingleFlight{T}"/> one reading runs at a time, and the pages that ask
/// meanwhile share the next one. Cutoffs: near expiry within 1 min, stuck after 5 min.
/// </summary>
public sealed class QueueFigures
{
    public const long NearExpiryMs = 60_000;
    public const long StuckMs = 300_000;

    private readonly SingleFlight<IReadOnlyList<RoleQueue>> _reading = new();

    public Task<IReadOnlyList<RoleQueue>> Of(IReads reads, long now) =>
        _reading.Run(() => reads.Queue(now, now - StuckMs, now + NearExpiryMs));
}

/// <summary>
/// One run of a computation at a time. A caller that arrives while a run is under way does not get
/// that run's result (it began before the caller asked, so it may miss a change the caller has
/// seen): it gets the next run, which starts when this one ends and is shared by everyone who
/// arrived meanwhile. So every result is computed after its caller asked, and however many ask,
/// at most one run is going and one waiting.
/// </summary>
public sealed class SingleFlight<T>
{
    private readonly object _gate = new();
    private Task<T>? _running;
    private Task<T>? _next;

    public Task<T> Run(Func<T> compute)
    {
        lock (_gate)
        {
            if (_running is null || _running.IsCompleted) return _running = Task.Run(compute);
            // The continuation takes the gate before it runs, so it sees _next assigned.
            return _next ??= _running.ContinueWith(_ =>
            {
                lock (_gate)
                {
                    _running = _next;
                    _next = null;
                }
                return compute();
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }
}
