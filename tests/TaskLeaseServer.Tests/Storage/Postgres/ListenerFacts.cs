using System.Collections.Concurrent;
using Dapper;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Postgres;
using TaskLeaseServer.Storage.Postgres.Notify;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Postgres;

/// <summary>
/// Node B's listener relays what node A commits into B's own signal (so B's waiters and streams
/// wake), skips B's own notices, and after its connection is killed it listens again and says
/// "recheck" first, so nothing committed while it was away is left unseen.
/// </summary>
public sealed class ListenerFacts : TwoNodes
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ACommitOnOneNode_ReachesTheOthersSignal_AndOnlyOnce()
    {
        var (notices, listener) = await Listening();
        try
        {
            var pid = await Pipeline(A);
            await A.Writer.Run(u => Creation.Tasks(u, [New(pid), New(pid)]));

            await Until(() => Wakes(notices).Count >= 2, "B to hear A's two wakes");
            Wakes(notices).Should().Equal(new Wake("worker", null), new Wake("worker", null));

            notices.Clear();
            await B.Writer.Run(u => Creation.Tasks(u, [New(pid)]));
            // B's own commit is delivered by B's executor, once: the listener skips its echo.
            await A.Writer.Run(u => Creation.Tasks(u, [New(pid, "marker")]));
            await Until(() => Wakes(notices).Count >= 2, "B to hear A's marker");
            Wakes(notices).Should().HaveCount(2, "one from B's own commit, one relayed from A; B's echo is skipped");
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AListenerWhoseConnectionIsKilled_ListensAgain_AndAsksForARecheckFirst()
    {
        var (notices, listener) = await Listening();
        try
        {
            var pid = await Pipeline(A);
            var killed = Terminate("node-b:listen");
            killed.Should().Be(1, "B's listen connection is found by its application name");

            // A commit while B is away may be lost; the recheck after the reconnect covers it.
            await A.Writer.Run(u => Creation.Tasks(u, [New(pid, "while away")]));
            notices.Clear();
            await Until(() =>
            {
                Clock.Advance(TimeSpan.FromMilliseconds(200)); // the reconnect back-off runs on the injected clock
                return ListenConnections("node-b:listen") == 1 && notices.Any(n => n.Recheck);
            }, "B to listen again and ask for a recheck");

            notices.Clear();
            await A.Writer.Run(u => Creation.Tasks(u, [New(pid, "after")]));
            await Until(() => Wakes(notices).Count >= 1, "B to hear A's commit on its new connection");
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
        }
    }

    private async Task<(ConcurrentQueue<CommitNotice> Notices, PostgresListener Listener)> Listening()
    {
        var b = (PostgresEngine)B;
        var notices = new ConcurrentQueue<CommitNotice>();
        b.Signal.Committed += notices.Enqueue;
        var listener = new PostgresListener(b, b.Signal, Clock, NullLogger<PostgresListener>.Instance);
        await listener.StartAsync(CancellationToken.None);
        // Listening once its first recheck (delivered right after LISTEN) has arrived.
        await Until(() => notices.Any(n => n.Recheck), "B's listener to start listening");
        return (notices, listener);
    }

    private static List<Wake> Wakes(IEnumerable<CommitNotice> notices) => notices.SelectMany(n => n.Wakes).ToList();

    private int Terminate(string applicationName)
    {
        using var db = Admin();
        return db.ExecuteScalar<int>(
            "SELECT count(*)::int FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = @applicationName AND datname = current_database()) t",
            new { applicationName });
    }

    private int ListenConnections(string applicationName)
    {
        using var db = Admin();
        return db.ExecuteScalar<int>(
            "SELECT count(*)::int FROM pg_stat_activity WHERE application_name = @applicationName AND datname = current_database()",
            new { applicationName });
    }

    private NpgsqlConnection Admin()
    {
        var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresUrl.Parse(Url).ConnectionString) { Pooling = false }.ConnectionString);
        db.Open();
        return db;
    }

    /// <summary>Polls a condition in real time, bounded: the listener works on its own connection and thread.</summary>
    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {Bound.TotalSeconds:0} s for {what}");
            await Task.Delay(20);
        }
    }
}
