using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Background;

/// <summary>
/// The one timer that knows when the next waiting task becomes claimable (a retry delay passing):
/// units that schedule one raise its time (<see cref="IWriteUnit.DueAt"/>), other nodes' notices
/// carry theirs, and the timer is armed for the earliest. When it fires, one unit makes the due
/// tasks ready (each waking one waiter, <see cref="Sweep.PromoteDue"/>) and reads the next due
/// time. Waiters never poll for time passing; this timer does it once for all of them.
/// Runs on the injected TimeProvider, so tests drive it with a fake clock.
/// </summary>
public sealed class DueTimer : IHostedService, IDisposable
{
    private readonly IWriteExecutor _writer;
    private readonly CommitSignal _signal;
    private readonly TimeProvider _time;
    private readonly ILogger<DueTimer> _log;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private long? _armedFor;
    private int _pending;

    public DueTimer(IWriteExecutor writer, CommitSignal signal, TimeProvider time, ILogger<DueTimer> log)
    {
        _writer = writer;
        _signal = signal;
        _time = time;
        _log = log;
        _timer = time.CreateTimer(_ => _ = Fire(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The time the timer is armed for (Unix ms), or null (for tests).</summary>
    public long? ArmedFor
    {
        get { lock (_lock) return _armedFor; }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _signal.Committed += OnCommit;
        // Tasks scheduled before this start (or by a node that is gone) are found in the database.
        return Fire();
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _signal.Committed -= OnCommit;
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    private void OnCommit(CommitNotice notice)
    {
        if (notice.DueAtMs is { } due) Arm(due);
        // A lost notice may have carried a due time: a recheck reads the next one again.
        else if (notice.Recheck) _ = Fire();
    }

    private void Arm(long dueAtMs)
    {
        lock (_lock)
        {
            if (_armedFor is { } armed && armed <= dueAtMs) return;
            _armedFor = dueAtMs;
            var delay = Math.Max(0, dueAtMs - _time.GetUtcNow().ToUnixTimeMilliseconds());
            _timer.Change(TimeSpan.FromMilliseconds(delay), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Promotes what is due and arms the timer for what comes next. One run at a time: a fire during a run makes it go once more.</summary>
    public async Task Fire()
    {
        if (Interlocked.Increment(ref _pending) > 1) return;
        while (true)
        {
            try
            {
                lock (_lock) _armedFor = null;
                var next = await _writer.Run(unit =>
                {
                    Sweep.PromoteDue(unit);
                    return unit.Tasks.NextDueAtMs();
                });
                if (next is { } due) Arm(due);
            }
            catch (Exception e)
            {
                // The sweeper promotes due tasks too, on its own timer: nothing stays stuck.
                _log.LogWarning(e, "Could not promote due tasks; the lease sweeper will");
            }
            if (Interlocked.Decrement(ref _pending) == 0) return;
            Interlocked.Exchange(ref _pending, 1); // fires that came during the run: one more run covers them all
        }
    }

    public void Dispose() => _timer.Dispose();
}
