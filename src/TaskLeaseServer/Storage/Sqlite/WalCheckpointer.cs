using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// Copies committed pages from the WAL into the database file several times a second, on its own
/// connection, so the single writer never stops to do it. A checkpoint run by the writer itself
/// (SQLite's auto-checkpoint) held every queued request behind a copy-and-fsync of up to 32 MiB —
/// the tail of the claim latency after a large seeding (issue 5). PASSIVE never waits for the
/// writer or readers; it copies what it can and the WAL restarts once everything is copied. The
/// writer keeps a high auto-checkpoint as a backstop should this one fall behind (see
/// <see cref="SqliteDatabase"/>). Runs on real time: it is housekeeping, not behaviour.
/// </summary>
public sealed class WalCheckpointer(SqliteDatabase database, ILogger<WalCheckpointer> log) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A pooled connection held for the life of the process: it only ever checkpoints.
        using var db = database.OpenRead();
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                SqliteDatabase.Execute(db, "PRAGMA wal_checkpoint(PASSIVE)");
            }
            catch (SqliteException e)
            {
                log.LogWarning(e, "WAL checkpoint failed; the writer's own checkpoint is the backstop");
            }
        }
    }
}
