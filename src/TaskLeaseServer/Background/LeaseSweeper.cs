using TaskLeaseServer.Hosting;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Telemetry;

namespace TaskLeaseServer.Background;

/// <summary>
/// Reaps expired leases on a timer (product decision: the reference never did): the run becomes
/// stale, a lease_expired event is written, and the task's retry policy is applied as for a
/// failure; tasks whose retry delay has passed become ready again (<see cref="Sweep"/>). Runs on
/// the injected TimeProvider, so tests drive it with a fake clock.
/// </summary>
public sealed class LeaseSweeper(IWriteExecutor writer, Retention retention, ServerOptions options, TimeProvider time,
    ILogger<LeaseSweeper> log) : BackgroundService
{
    private const int BatchSize = 500;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepOnce();
                await retention.RunIfDue();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Lease sweep failed; retrying on the next tick");
            }
        }
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
                looked = await writer.Run(unit => Sweep.Once(unit, BatchSize));
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
