using TaskLeaseServer.Hosting;
using TaskLeaseServer.Storage.Sqlite;
using TaskLeaseServer.Telemetry;

namespace TaskLeaseServer.Background;

/// <summary>
/// Reaps expired leases on a timer (CONTRACT W5, product decision): the run becomes stale, a
/// lease_expired event is written, and the task's retry policy is applied as for a failure. Also
/// makes tasks whose retry delay has passed ready again, and forgets old idempotency records and
/// OTLP batches.
/// Runs on the injected TimeProvider, so tests drive it with a fake clock.
/// </summary>
public sealed class LeaseSweeper(WriteQueue writer, LeaseStore leases, ServerOptions options, TimeProvider time,
    ILogger<LeaseSweeper> log) : BackgroundService
{
    private const int BatchSize = 500;
    // OTLP retention deletes in steps this small so that no step holds the writer for long.
    private const int OtlpPurgeBatches = 20;
    private const int OtlpPurgeSpans = 2_000;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private long _lastPurgeMs;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepOnce();
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
            var reaped = await Sweep();
            activity?.SetTag("tls.reaped_leases", reaped);
            ServerTelemetry.Swept(reaped, time.GetElapsedTime(started).TotalMilliseconds);
            return reaped;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<int> Sweep()
    {
        var total = 0;
        int reaped;
        do
        {
            reaped = await writer.Write(ctx => leases.Sweep(ctx, BatchSize));
            total += reaped;
        } while (reaped == BatchSize);
        if (total > 0) log.LogInformation("Reaped {Count} expired leases", total);

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (now - _lastPurgeMs >= 60_000)
        {
            _lastPurgeMs = now;
            await writer.Write(ctx => IdempotencyStore.Purge(ctx, now - (long)options.IdempotencyRetention.TotalMilliseconds));
            await PurgeOtlp();
        }
        return total;
    }

    /// <summary>Deletes OTLP batches (and their spans) older than the retention window; returns the rows deleted.</summary>
    public async Task<int> PurgeOtlp()
    {
        var cutoff = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)options.OtlpRetention.TotalMilliseconds;
        var total = 0;
        int deleted;
        do
        {
            deleted = await writer.Write(ctx => OtlpStore.Purge(ctx, cutoff, OtlpPurgeBatches, OtlpPurgeSpans));
            total += deleted;
        } while (deleted > 0);
        if (total > 0) log.LogInformation("Deleted {Count} OTLP rows past retention", total);
        return total;
    }
}
