namespace TaskLeaseServer.Storage;

/// <summary>
/// "A task of this role may have become claimable." Units raise it (<see cref="IWriteUnit.Claimable"/>);
/// the executor delivers it here after the commit, so a waiter woken by it always finds the
/// committed task. In-process today; an engine with several nodes relays it between them.
/// </summary>
public sealed class ClaimSignal
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);
    private long _delivered;

    /// <summary>Signals delivered so far (for tests and metrics).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Called by the executor after a commit, once per raised role.</summary>
    public void Deliver(IEnumerable<string> roles)
    {
        foreach (var role in roles)
        {
            Interlocked.Increment(ref _delivered);
            TaskCompletionSource? woken;
            lock (_lock) _waiting.Remove(role, out woken);
            woken?.TrySetResult();
        }
    }

    /// <summary>Completes at the next delivery for <paramref name="role"/> after this call.</summary>
    public Task Next(string role)
    {
        lock (_lock)
        {
            if (!_waiting.TryGetValue(role, out var source))
            {
                source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting[role] = source;
            }
            return source.Task;
        }
    }
}
