using TaskLeaseServer.Hosting;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Background;

/// <summary>
/// Forgets what is kept only for a while: idempotency records past their retention, and ingested
/// OTLP batches with their spans. Runs at most once a minute, from the sweeper's timer, in small
/// steps so that no step holds the writer for long.
/// </summary>
public sealed class Retention(IWriteExecutor writer, ServerOptions options, TimeProvider time, ILogger<Retention> log)
{
    private const int OtlpPurgeBatches = 20;
    private const int OtlpPurgeSpans = 2_000;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private long _lastRunMs;

    /// <summary>
    /// Purges if a minute has passed since the last run. A caller that finds a run in flight waits
    /// for it, so when this returns, everything due by now has been purged (a caller that returned
    /// at once while the timer's run was still purging raced it).
    /// </summary>
    public async Task RunIfDue()
    {
        await _oneAtATime.WaitAsync();
        try
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (now - _lastRunMs < 60_000) return;
            _lastRunMs = now;
            await writer.Run(unit => unit.Idempotency.Purge(now - (long)options.IdempotencyRetention.TotalMilliseconds));
            await PurgeOtlp();
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>Deletes OTLP batches (and their spans) older than the retention window; returns the rows deleted.</summary>
    public async Task<int> PurgeOtlp()
    {
        var cutoff = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)options.OtlpRetention.TotalMilliseconds;
        var total = 0;
        int deleted;
        do
        {
            deleted = await writer.Run(unit => unit.Otlp.Purge(cutoff, OtlpPurgeBatches, OtlpPurgeSpans));
            total += deleted;
        } while (deleted > 0);
        if (total > 0) log.LogInformation("Deleted {Count} OTLP rows past retention", total);
        return total;
    }
}
