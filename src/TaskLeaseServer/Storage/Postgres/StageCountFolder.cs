using Dapper;
using Npgsql;

namespace TaskLeaseServer.Storage.Postgres;

/// <summary>
/// Folds the per-stage count deltas into stage_counts now and then, so /health sums a handful of
/// rows. One node at a time (a skipped try-lock means another node is folding right now); the
/// deltas are deleted and added in one statement, so a fold never counts a delta twice.
/// </summary>
internal sealed class StageCountFolder(PostgresEngine engine, ILogger<StageCountFolder> log) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>One fold; returns the deltas folded (0 also when another node holds the fold).</summary>
    public static long Fold(NpgsqlDataSource dataSource)
    {
        using var db = dataSource.OpenConnection();
        using var transaction = db.BeginTransaction();
        if (!db.ExecuteScalar<bool>("SELECT pg_try_advisory_xact_lock(hashtextextended('tls:fold', 0))")) return 0;
        var folded = db.ExecuteScalar<long>("""
            WITH taken AS (DELETE FROM stage_count_deltas RETURNING stage, delta),
            summed AS (SELECT stage, SUM(delta)::bigint AS delta, COUNT(*) AS n FROM taken GROUP BY stage),
            upserted AS (
                INSERT INTO stage_counts (stage, count) SELECT stage, delta FROM summed ORDER BY stage
                ON CONFLICT (stage) DO UPDATE SET count = stage_counts.count + excluded.count)
            SELECT COALESCE(SUM(n), 0)::bigint FROM summed
            """);
        transaction.Commit();
        return folded;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                Fold(engine.DataSource);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The database is away; the next tick tries again and /health still adds the deltas.
                log.LogWarning("Folding stage counts failed: {Message}", e.Message);
            }
        }
    }
}
