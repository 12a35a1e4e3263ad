using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Lifecycle;

/// <summary>
/// Long-poll claims waiting for work (EXTENSIONS §2), first come first served per role. A waiter
/// is an object and a TaskCompletionSource: no thread, no connection. Each <see cref="Wake"/> of a
/// commit notice wakes one waiter: the earliest that is waiting and may take the task (any agent for
/// an unassigned task, only its assignee for an assigned one). A woken waiter that loses the race
/// goes back to waiting at its place, since it never left the queue. A wake that finds every
/// suitable waiter busy trying marks the earliest to try once more, so a commit that lands during
/// an attempt is never missed; a waiter registers before its first attempt for the same reason.
/// </summary>
public sealed class ClaimWaiters
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedList<Waiter>> _byRole = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private int _count;
    private long _woken;

    public ClaimWaiters(CommitSignal signal) => signal.Committed += OnCommit;

    /// <summary>Waiters registered now (a gauge, and for tests).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Long-poll claims of <paramref name="role"/> waiting on this node now (GET /ops/roles).</summary>
    public int WaitingFor(string role)
    {
        lock (_lock) return _byRole.TryGetValue(role, out var queue) ? queue.Count : 0;
    }

    /// <summary>Waiters woken so far (each costs one claim attempt; for tests and metrics).</summary>
    public long Woken => Interlocked.Read(ref _woken);

    /// <summary>Cancelled at shutdown: every waiter is answered at once, and no new claim waits.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Answers every waiter now (graceful shutdown: they get 204).</summary>
    public void Stop() => _stopping.Cancel();

    /// <summary>Joins the queue of <paramref name="role"/> at its end, before the first claim attempt.</summary>
    public Waiter Join(string role, string agentId)
    {
        lock (_lock)
        {
            if (!_byRole.TryGetValue(role, out var queue)) _byRole[role] = queue = new LinkedList<Waiter>();
            var waiter = new Waiter(this, role, agentId);
            waiter.Node = queue.AddLast(waiter);
            _count++;
            return waiter;
        }
    }

    /// <summary>Wakes one suitable waiter for a task that may be claimable.</summary>
    public void Wake(Wake wake)
    {
        lock (_lock) WakeLocked(wake, recheck: false);
    }

    private void OnCommit(CommitNotice notice)
    {
        lock (_lock)
        {
            foreach (var wake in notice.Wakes) WakeLocked(wake, recheck: false);
            if (!notice.Recheck) return;
            // A notice may have been lost: the first waiter of every role looks once; if it wins, it wakes the next.
            foreach (var role in _byRole.Keys) WakeLocked(new Wake(role, null), recheck: true);
        }
    }

    private void WakeLocked(Wake wake, bool recheck)
    {
        if (!_byRole.TryGetValue(wake.Role, out var queue)) return;
        if (wake.All)
        {
            foreach (var waiter in queue)
            {
                if (waiter.IsWaiting) waiter.WakeLocked(recheck: true);
                else waiter.TryAgain = true;
            }
            return;
        }
        Waiter? busy = null;
        for (var node = queue.First; node is not null; node = node.Next)
        {
            var waiter = node.Value;
            if (wake.Assignee is not null && waiter.AgentId != wake.Assignee) continue;
            if (waiter.IsWaiting)
            {
                _woken++;
                waiter.WakeLocked(recheck);
                return;
            }
            if (busy is null && !waiter.TryAgain) busy = waiter;
        }
        // Nobody is waiting; the earliest busy one tries once more instead of going to sleep.
        if (busy is not null) busy.TryAgain = true;
    }

    private void Leave(Waiter waiter)
    {
        lock (_lock)
        {
            if (waiter.Node is not { } node) return;
            var queue = node.List!;
            queue.Remove(node);
            waiter.Node = null;
            _count--;
            if (queue.Count == 0) _byRole.Remove(waiter.Role);
        }
    }

    /// <summary>
    /// One waiting claim. Between attempts the caller awaits <see cref="Next"/>; it disposes the
    /// waiter when it answers, whatever the answer.
    /// </summary>
    public sealed class Waiter : IDisposable
    {
        private readonly ClaimWaiters _owner;
        private TaskCompletionSource<bool>? _woken;
        private bool _unusedWake;

        internal Waiter(ClaimWaiters owner, string role, string agentId)
        {
            _owner = owner;
            Role = role;
            AgentId = agentId;
        }

        public string Role { get; }
        public string AgentId { get; }

        /// <summary>Whether the last wake came from a recheck (a winner then passes a wake on).</summary>
        public bool WokenByRecheck { get; private set; }

        internal LinkedListNode<Waiter>? Node { get; set; }
        internal bool TryAgain { get; set; }
        internal bool IsWaiting => _woken is not null;

        /// <summary>Called before each claim attempt: a wake received so far is used by it.</summary>
        public void Attempting()
        {
            lock (_owner._lock) _unusedWake = false;
        }

        /// <summary>
        /// After an attempt that found nothing: completes when this waiter is woken. Completes at
        /// once when a wake arrived during the attempt.
        /// </summary>
        public Task Next()
        {
            lock (_owner._lock)
            {
                WokenByRecheck = false;
                if (TryAgain)
                {
                    TryAgain = false;
                    _unusedWake = true;
                    return Task.CompletedTask;
                }
                _woken = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _woken.Task;
            }
        }

        internal void WakeLocked(bool recheck)
        {
            WokenByRecheck = recheck;
            _unusedWake = true;
            var woken = _woken!;
            _woken = null;
            woken.TrySetResult(true);
        }

        /// <summary>Leaves the queue. A wake it was given and did not try for goes to the next waiter.</summary>
        public void Dispose()
        {
            bool unused;
            lock (_owner._lock) unused = _unusedWake || TryAgain;
            _owner.Leave(this);
            if (unused) _owner.Wake(new Wake(Role, null));
        }
    }
}
