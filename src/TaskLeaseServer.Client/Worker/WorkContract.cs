namespace TaskLeaseServer.Client;

/// <summary>A handler: works one claimed task and says which trigger moves it on. Its token is canceled when the lease is lost or the host stops.</summary>
public delegate Task<WorkResult> TaskHandler(TaskContext context, CancellationToken cancellationToken);

/// <summary>What the worker does with the task once the handler returns.</summary>
public sealed record WorkResult
{
    private WorkResult() { }

    public string? Trigger { get; private init; }
    public string? Instructions { get; init; }
    /// <summary>Stored on the run (e.g. token counts, cost); summed into the task's usage_total.</summary>
    public object? Usage { get; init; }
    internal bool IsRelease { get; private init; }

    /// <summary>Transition the task with this trigger (guarded by the stage and version it was claimed at).</summary>
    public static WorkResult Transition(string trigger, string? instructions = null, object? usage = null) =>
        new() { Trigger = trigger, Instructions = instructions, Usage = usage };

    /// <summary>Give the task back without counting an attempt (e.g. this agent cannot do it now).</summary>
    public static WorkResult Release() => new() { IsRelease = true };
}

/// <summary>Thrown by a handler for a failure that retrying cannot fix: the task is dead-lettered at once.</summary>
public class NonRetryableException(string message, string? failureKind = "non_retryable", Exception? inner = null) : Exception(message, inner)
{
    public string? FailureKind { get; } = failureKind;
}

/// <summary>Thrown by a handler for a failure worth retrying, with a failure kind for the run.</summary>
public class RetryableException(string message, string? failureKind = null, Exception? inner = null) : Exception(message, inner)
{
    public string? FailureKind { get; } = failureKind;
}

/// <summary>The claimed task, its run and lease, and the calls a handler may make while it holds the lease.</summary>
public sealed class TaskContext
{
    private readonly TaskLeaseClient _client;
    private readonly Action _leaseLost;

    internal TaskContext(TaskLeaseClient client, Claim claim, CancellationToken leaseToken, Action leaseLost)
    {
        _client = client;
        Claim = claim;
        LeaseToken = leaseToken;
        _leaseLost = leaseLost;
    }

    public Claim Claim { get; }
    public TaskItem Task => Claim.Task;
    public Run Run => Claim.Run;
    public TaskLeaseClient Client => _client;

    /// <summary>Canceled the moment the lease is lost (expired, revoked, reaped) or the host stops.</summary>
    public CancellationToken LeaseToken { get; }

    /// <summary>Appends an event to the run; a lost lease cancels <see cref="LeaseToken"/> and throws <see cref="LeaseLostException"/>.</summary>
    public async Task<long> AppendEventAsync(string kind, object? data = null, CancellationToken ct = default)
    {
        try { return await _client.AppendEventAsync(Run.Id, Claim.LeaseToken, kind, data, ct).ConfigureAwait(false); }
        catch (LeaseLostException) { _leaseLost(); throw; }
    }
}
