using System.Collections.Concurrent;
using FluentAssertions;
using TaskLeaseServer.Client;
using TaskLeaseServer.Conformance.Infrastructure;
using TaskLeaseServer.Conformance.Sqlite;
using Xunit;

namespace TaskLeaseServer.Conformance.Resilience;

/// <summary>
/// Issue 3: kill -9 in the middle of creates and transitions loses no acknowledged write, leaves no
/// lease alive beyond its TTL, brings abandoned tasks back per their retry policy, and (on SQLite)
/// leaves a file that passes PRAGMA integrity_check. A graceful stop (SIGTERM) exits 0 (on SQLite,
/// with the WAL checkpointed).
/// </summary>
public sealed class CrashFacts
{
    private const long LeaseTtlMs = 2000;

    [Fact]
    public async Task KillDashNine_LosesNoAcknowledgedWrite_AndAbandonedTasksComeBack()
    {
        var dir = ServerProcess.NewTempDir();
        var options = new ServerOptions { Db = TestDatabase.Fresh(dir, "crash"), SweepIntervalMs = 100 };
        var server = await ServerProcess.StartAsync(options, dir);
        var role = "crash-" + Guid.NewGuid().ToString("N")[..8];
        var created = new ConcurrentBag<string>();
        var transitioned = new ConcurrentBag<string>();
        var claimed = new ConcurrentBag<string>();
        long killedAtMs;
        {
            var client = Client(server);
            var pipelineId = await client.CreatePipelineAsync(role, new
            {
                initial = "work",
                states = new Dictionary<string, object> { ["work"] = new { agent_role = role }, ["review"] = new { agent_role = "nobody" }, ["done"] = new { terminal = true } },
                transitions = new[] { new { from = "work", to = "review", trigger = "submit" }, new { from = "review", to = "done", trigger = "approve" } },
            });
            NewTask Numbered(int i) => new(pipelineId, "t" + i) { RetryPolicy = new RetryPolicy(MaxAttempts: 5) };
            for (var i = 0; i < 100; i++) created.Add(await client.CreateTaskAsync(Numbered(i)));

            using var stop = new CancellationTokenSource();
            async Task Creator()
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                    if (await Acknowledged<string>(async () => await client.CreateTaskAsync(Numbered(i))) is { } id) created.Add(id);
            }
            async Task Mover(int n)
            {
                while (!stop.IsCancellationRequested)
                {
                    var claim = await Acknowledged(() => client.ClaimAsync(new ClaimRequest($"mover-{n}", role) { LeaseTtlMs = LeaseTtlMs }));
                    if (claim is null) continue;
                    claimed.Add(claim.Task.Id);
                    // Some agents "hang" on their task, so the kill finds leases held.
                    if (n % 3 == 0) await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { });
                    if (await Acknowledged<TransitionResult>(async () => await client.TransitionAsync(claim.Run.Id, claim.LeaseToken, new TransitionRequest("submit"))) is not null)
                        transitioned.Add(claim.Task.Id);
                }
            }
            var load = Enumerable.Range(0, 3).Select(_ => Creator()).Concat(Enumerable.Range(0, 9).Select(Mover)).ToList();
            // Mid-load: at least 1.5 s of it and an acknowledged transition (a fresh PostgreSQL node
            // can take longer than that to answer its first claims), within a bound.
            var loading = System.Diagnostics.Stopwatch.StartNew();
            while ((transitioned.IsEmpty || loading.ElapsedMilliseconds < 1_500) && loading.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20);
            killedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await server.StopAsync();                       // kill -9, mid-load
            stop.Cancel();
            await Task.WhenAll(load);
        }
        created.Should().HaveCountGreaterThan(100, "creates were acknowledged during the load");
        transitioned.Should().NotBeEmpty();

        await using (server = await ServerProcess.StartAsync(options, dir))
        {
            var client = Client(server);
            foreach (var id in created.Distinct()) (await client.GetTaskAsync(id)).Should().NotBeNull("task {0} was acknowledged", id);
            foreach (var id in transitioned) (await client.GetTaskAsync(id)).Stage.Should().Be("review");

            // No lease of the dead process outlives its TTL: the sweeper reaps them without any claim.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            long active;
            while ((active = (await client.GetHealthAsync()).ActiveLeases) > 0 ||
                   DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < killedAtMs + LeaseTtlMs + 500)
            {
                if (DateTime.UtcNow > deadline) break;
                await Task.Delay(100);
            }
            active.Should().Be(0);

            // Every abandoned task (claimed, never acknowledged as moved) is back: stale run, lease_expired, claimable.
            var abandoned = claimed.Distinct().Except(transitioned).ToList();
            abandoned.Should().NotBeEmpty("some movers were holding tasks at the kill");
            foreach (var id in abandoned)
            {
                var task = await client.GetTaskAsync(id);
                if (task.Stage == "review") continue;   // its transition committed but the answer was lost
                task.LatestRun!.Status.Should().Be("stale", "task {0} was abandoned by the dead process", id);
                var kinds = new List<string>();
                await foreach (var e in client.EnumerateRunEventsAsync(task.LatestRun.Id)) kinds.Add(e.Kind);
                kinds.Should().Contain(["lease_expired", "retry_scheduled"]);
            }
            var reclaimed = new HashSet<string>();
            while (await client.ClaimAsync(new ClaimRequest("after", role)) is { } c) reclaimed.Add(c.Task.Id);
            var stillInWork = new List<string>();
            foreach (var id in abandoned)
                if ((await client.GetTaskAsync(id)).Stage == "work") stillInWork.Add(id);
            reclaimed.Should().Contain(stillInWork, "abandoned tasks are retried (max_attempts 5, no delay)");
            await server.StopAsync();
        }

        if (TestDatabase.IsSqlite) SqliteFile.IntegrityCheck(options.Db).Should().Be("ok");
    }

    [Fact]
    public async Task Sigterm_FinishesCleanly_AndARestartFindsEverything()
    {
        var dir = ServerProcess.NewTempDir();
        var options = new ServerOptions { Db = TestDatabase.Fresh(dir, "graceful") };
        var server = await ServerProcess.StartAsync(options, dir);
        var client = Client(server);
        var pipelineId = await client.CreatePipelineAsync("graceful", new
        {
            initial = "a",
            states = new Dictionary<string, object> { ["a"] = new { agent_role = "r" }, ["b"] = new { terminal = true } },
            transitions = new[] { new { from = "a", to = "b", trigger = "go" } },
        });
        var ids = new List<string>();
        for (var i = 0; i < 50; i++) ids.Add(await client.CreateTaskAsync(new NewTask(pipelineId, "t")));
        (await server.TerminateAsync(TimeSpan.FromSeconds(20))).Should().Be(0, "SIGTERM is a clean stop; output: {0}", server.Output);
        if (TestDatabase.IsSqlite) SqliteFile.WalIsEmpty(options.Db).Should().BeTrue("the WAL is checkpointed at shutdown");

        await using var again = await ServerProcess.StartAsync(options, dir);
        client = Client(again);
        foreach (var id in ids) (await client.GetTaskAsync(id)).Id.Should().Be(id);
    }

    /// <summary>No retries: a request that fails at the transport is not acknowledged, and is not sent again.</summary>
    private static TaskLeaseClient Client(ServerProcess server) =>
        new(new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) }, new TaskLeaseClientOptions { MaxRetries = 0 });

    /// <summary>During the kill, requests fail at the transport (status 0): those are not acknowledged. Any other error fails the fact.</summary>
    private static async Task<T?> Acknowledged<T>(Func<Task<T?>> call) where T : class
    {
        try { return await call(); }
        catch (ServerUnavailableException e) when (e.Status == 0) { return null; }
    }
}
