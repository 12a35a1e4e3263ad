using TaskLeaseServer.Hosting;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Telemetry;

namespace TaskLeaseServer.Background;

/// <summary>
/// Reaps expired leases on a timer (product decision: the reference never did): the run becomes
/// stale, a lease_expired event is written, and the task's retry policy is applied as for a
/// failure; tasks whose retry delay has passed become ready again (<see cref="Sweep"/>). Runs on
/// the injected TimeProvider, so tests drive it with a fake clock. Of the nodes sharing a database
/// only the leader sweeps (<see cref="ISweeperLeadership"/>); the others ask again on every tick
/// and one of them takes over when the leader is gone.
/// </summary>
public sealed class LeaseSweeper(IStorageEngine engine, Retention retention, ServerOptions options, TimeProvider time,
    IHostApplicationLifetime lifetime, ILogger<LeaseSweeper> log) : BackgroundService
{
    private const int BatchSize = 500;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly IWriteExecutor _writer = engine.Writer;
    private SweeperStatus? _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Hosted services start before Kestrel binds: a server that never comes up (a port in use)
        // must not sweep, and must say nothing but its start-up line and its one error line.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var status = await engine.Sweeper.Hold(stoppingToken);
                Report(status);
                if (!status.Leading) continue;
                await SweepOnce();
                await retention.RunIfDue();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Lease sweep failed; retrying on the next tick");
            }
        }
    }

    /// <summary>One line whenever who sweeps changes, as this node sees it.</summary>
    private void Report(SweeperStatus status)
    {
        var before = _last;
        _last = status;
        if (before is not null && before.Leading == status.Leading && before.Leader == status.Leader &&
            (before.Problem is null) == (status.Problem is null)) return;
        if (status.Leading) log.LogInformation("Sweeper: this node sweeps ({Leader})", status.Leader);
        else if (status.Problem is not null) log.LogWarning("Sweeper: this node does not sweep, the database did not answer: {Problem}", status.Problem);
        else log.LogInformation("Sweeper: another node sweeps ({Leader}); this node stands by", status.Leader ?? "unknown");
    }

    /// <summary>One full sweep; returns how many leases were reaped. Sweeps never overlap.</summary>
    public async Task<int> SweepOnce()
    {
        await _oneAtATime.WaitAsync();
        using var activity = ServerTelemetry.Source.StartActivity("sweep");
        var started = time.GetTimestamp();
        try
        {
            var total = 0;
            int looked;
            do
            {
                looked = await _writer.Run(unit => Sweep.Once(unit, BatchSize));
                total += looked;
            } while (looked == BatchSize);
            if (total > 0) log.LogInformation("Reaped {Count} expired leases", total);
            activity?.SetTag("tls.reaped_leases", total);
            ServerTelemetry.Swept(total, time.GetElapsedTime(started).TotalMilliseconds);
            return total;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }
}
