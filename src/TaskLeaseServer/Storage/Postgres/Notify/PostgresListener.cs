using Npgsql;

namespace TaskLeaseServer.Storage.Postgres.Notify;

/// <summary>
/// Relays the other nodes' commit notices into this node's <see cref="CommitSignal"/>: one
/// dedicated connection (outside the pool) LISTENs on <see cref="NoticeWire.Channel"/> and waits
/// asynchronously, holding no thread. After every (re)connect, and once a second besides, it
/// delivers a recheck (<see cref="CommitNotice.Check"/>): a notification lost while the connection
/// was down, or dropped by PostgreSQL, costs at most about a second, never a stuck waiter.
/// </summary>
internal sealed class PostgresListener(PostgresEngine engine, CommitSignal signal, TimeProvider time, ILogger<PostgresListener> log)
    : BackgroundService
{
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Listen(stoppingToken), Recheck(stoppingToken));

    private async Task Listen(CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var db = new NpgsqlConnection(engine.ListenConnectionString);
                db.Notification += (_, e) => Received(e.Payload);
                await db.OpenAsync(stop);
                await using (var listen = new NpgsqlCommand($"LISTEN {NoticeWire.Channel}", db)) await listen.ExecuteNonQueryAsync(stop);
                if (failures > 0) log.LogInformation("Listening for other nodes' commits again");
                failures = 0;
                signal.Deliver(CommitNotice.Check);
                while (true) await db.WaitAsync(stop);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                if (failures++ == 0) log.LogWarning("Lost the connection that listens for other nodes' commits ({Error}); reconnecting", e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * failures)), time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task Recheck(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(RecheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop)) signal.Deliver(CommitNotice.Check);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private void Received(string payload)
    {
        var decoded = NoticeWire.Decode(payload);
        if (decoded is null)
        {
            signal.Deliver(CommitNotice.Check);
            return;
        }
        if (decoded.Value.Node != engine.Node) signal.Deliver(decoded.Value.Notice);
    }
}
