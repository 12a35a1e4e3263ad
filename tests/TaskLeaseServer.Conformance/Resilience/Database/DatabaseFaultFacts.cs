using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using TaskLeaseServer.Testing;
using TaskLeaseServer.Conformance.Resilience.MultiNode;
using Xunit;
using Xunit.Abstractions;

namespace TaskLeaseServer.Conformance.Resilience.Database;

/// <summary>
/// Issue 9: PostgreSQL going away under the nodes. While it is down they answer 503 with the error
/// envelope, promptly (every wait on the database is bounded), never a 500 and never a hang; they
/// recover on their own within seconds once it is back; no acknowledged write is lost and no task is
/// leased twice. Each fact runs a throwaway cluster of its own, since it stops or cuts that cluster.
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class DatabaseFaultFacts(ITestOutputHelper output)
{
    private static readonly TimeSpan RequestBound = TimeSpan.FromSeconds(20);

    [OwnClusterFact]
    public Task PostgresRestarted_FastShutdown_MidLoad() => RestartMidLoad("fast");

    [OwnClusterFact]
    public Task PostgresRestarted_ImmediateShutdown_MidLoad() => RestartMidLoad("immediate");

    private async Task RestartMidLoad(string mode)
    {
        using var cluster = new OwnCluster();
        var db = cluster.NewDatabase();
        await using var load = await Load.StartAsync(db, output);

        await load.UntilAsync(() => load.Created >= 100 && load.Moved >= 50, "load before the restart");
        cluster.Stop(mode);
        var down = Stopwatch.StartNew();
        await load.UntilAsync(() => load.Unavailable >= 20, "503s while PostgreSQL is down");
        var unavailableWhileDown = load.Unavailable;
        cluster.Start();
        var up = Stopwatch.StartNew();
        var createdAtStart = load.Created;
        await load.UntilAsync(() => load.Created >= createdAtStart + 50 && load.Moved >= 100, "the nodes to recover");
        output.WriteLine($"{mode}: down {down.ElapsedMilliseconds - up.ElapsedMilliseconds} ms with {unavailableWhileDown} 503s; " +
                         $"50 new writes acknowledged {up.ElapsedMilliseconds} ms after PostgreSQL was back");
        up.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15), "the nodes recover on their own within seconds");

        await load.StopAndCheckAsync();
    }

    [OwnClusterFact]
    public async Task ABackendKilledMidTransaction_Is503_AndTheRetryWithItsKeyLandsOnce()
    {
        using var cluster = new OwnCluster();
        var db = cluster.NewDatabase();
        // No sweeps during the fact: the sweeper's retry promotion would queue on the lock too.
        await using var server = await ServerProcess.StartAsync(new ServerOptions { Db = db + "?application_name=node", SweepIntervalMs = 3_600_000 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = RequestBound };
        var pipeline = await Load.PipelineAsync(http);

        // Hold a lock every task insert needs, so the requests sit inside their transactions.
        using var blocker = OwnCluster.Connect(db);
        using (var begin = new Npgsql.NpgsqlCommand("BEGIN; LOCK TABLE tasks IN EXCLUSIVE MODE", blocker)) begin.ExecuteNonQuery();
        var keys = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        var inFlight = keys.Select(k => Load.CreateTaskAsync(http, pipeline, "killed-" + k, k)).ToArray();
        long Waiting() => blocker.ExecuteScalar<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        await Nodes.UntilAsync(() => Waiting() >= 1, TimeSpan.FromSeconds(10), "an insert to wait on the lock, mid-transaction");
        try
        {
            await Nodes.UntilAsync(() => Waiting() == keys.Length, TimeSpan.FromSeconds(3), "all four");
        }
        catch (TimeoutException)
        {
            // A request that has not reached its insert yet runs normally after the lock goes.
        }
        var killed = blocker.ExecuteScalar<long>("""
            SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity
                                  WHERE datname = current_database() AND wait_event_type = 'Lock') t
            """);
        output.WriteLine($"{killed} of {keys.Length} backends killed inside their transactions");
        killed.Should().BeGreaterThan(0);
        using (var commit = new Npgsql.NpgsqlCommand("COMMIT", blocker)) commit.ExecuteNonQuery();

        var first = await Task.WhenAll(inFlight);
        first.Count(a => a.Status == 503).Should().Be((int)killed, "a killed backend's request is a 503");
        foreach (var (status, body) in first)
        {
            if (status == 503) Load.IsUnavailableEnvelope(body).Should().BeTrue(body);
            else status.Should().Be(201, body);
        }
        foreach (var key in keys)
        {
            var (status, body) = await Load.CreateTaskAsync(http, pipeline, "killed-" + key, key);
            status.Should().Be(201, "the retry with the same key runs once the database answers again: " + body);
            var (again, replay) = await Load.CreateTaskAsync(http, pipeline, "killed-" + key, key);
            again.Should().Be(201);
            replay.Should().Be(body, "the second retry replays the first answer");
        }
        blocker.ExecuteScalar<long>("SELECT count(*) FROM tasks WHERE title LIKE 'killed-%'").Should().Be(keys.Length, "each key's task exists once");
    }

    [OwnClusterFact]
    public async Task ThePoolExhaustedBySlowTransactions_Answers503_NotADeadlock()
    {
        using var cluster = new OwnCluster();
        var db = cluster.NewDatabase();
        // A statement may wait 2 s: the units stuck behind the lock give their connections back.
        await using var server = await ServerProcess.StartAsync(new ServerOptions { Db = db + "?application_name=node&command_timeout=2", SweepIntervalMs = 3_600_000 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = RequestBound };
        var pipeline = await Load.PipelineAsync(http);

        using var blocker = OwnCluster.Connect(db);
        using (var begin = new Npgsql.NpgsqlCommand("BEGIN; LOCK TABLE tasks IN EXCLUSIVE MODE", blocker)) begin.ExecuteNonQuery();
        // Twice the node's 32 connections, all wanting the lock at once.
        var clock = Stopwatch.StartNew();
        var slowest = 0L;
        var answers = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            var one = Stopwatch.StartNew();
            var answer = await Load.CreateTaskAsync(http, pipeline, "slow-" + i, null);
            InterlockedMax(ref slowest, one.ElapsedMilliseconds);
            return answer;
        }));
        var took = clock.Elapsed;
        using (var commit = new Npgsql.NpgsqlCommand("COMMIT", blocker)) commit.ExecuteNonQuery();

        output.WriteLine($"64 writes behind a held lock: all answered in {took.TotalMilliseconds:0} ms (slowest {slowest} ms): " +
                         string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{g.Count()}× {g.Key}")));
        foreach (var (status, body) in answers)
        {
            status.Should().Be(503, body);
            Load.IsUnavailableEnvelope(body).Should().BeTrue(body);
        }
        // Each waits at most for a free connection (5 s) plus one statement (2 s here) and its
        // cancellation; a deadlock or an unbounded wait would run into the client's 20 s timeout.
        slowest.Should().BeLessThan(15_000, "every wait is bounded");
        (await Load.CreateTaskAsync(http, pipeline, "after", null)).Status.Should().Be(201, "the node serves again at once");
        blocker.ExecuteScalar<long>("SELECT count(*) FROM tasks WHERE title LIKE 'slow-%'").Should().Be(0, "a 503 before the commit wrote nothing");
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var seen = Interlocked.Read(ref target); value > seen; seen = Interlocked.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }
}
