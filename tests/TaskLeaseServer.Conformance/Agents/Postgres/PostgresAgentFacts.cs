using System.Diagnostics;
using FluentAssertions;
using Npgsql;
using TaskLeaseServer.Conformance.Infrastructure;
using TaskLeaseServer.Conformance.Resilience.MultiNode;
using TaskLeaseServer.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TaskLeaseServer.Conformance.Agents.Postgres;

/// <summary>
/// Issue 10 on PostgreSQL, whatever engine the pass targets: a waiter on one node is woken by a
/// create on another (LISTEN/NOTIFY, not the one-second recheck), and a stream delivers every
/// event once in id order although the sequence hands out ids in call order, not commit order.
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class PostgresAgentFacts(PostgresDatabases databases, ITestOutputHelper output) : IClassFixture<PostgresDatabases>
{
    [OwnClusterFact]
    public async Task AWaiterOnOneNode_IsWokenByACreateOnAnother_FasterThanTheRecheck()
    {
        await using var nodes = await Nodes.StartAsync(databases.NewDatabase(), 2, sweepIntervalMs: 1000);
        using var a = new Api(nodes[0].BaseAddress);
        using var b = new Api(nodes[1].BaseAddress);
        var pipeline = await a.CreatePipelineAsync();

        var latencies = new List<double>();
        for (var i = 0; i <= 9; i++)
        {
            var waiter = await Waiters.StartAsync(b, pipeline.WorkRole, "agent-on-b");
            var id = await a.CreateTaskAsync(pipeline.Id);
            var created = Stopwatch.GetTimestamp();
            var (claim, answeredAt) = await waiter.Answer.WaitAsync(TimeSpan.FromSeconds(20));
            Waiters.TaskId(claim).Should().Be(id, "node B's waiter gets the task node A created");
            if (i > 0) latencies.Add(Waiters.Ms(created, answeredAt)); // the first warms both nodes up
        }

        latencies.Sort();
        output.WriteLine("cross-node wake-ups (ms): " + string.Join(", ", latencies.Select(l => l.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture))));
        latencies.Should().OnlyContain(l => l < 2_000, "every wake-up arrives, by notification or at worst by the one-second recheck");
        latencies[latencies.Count / 2].Should().BeLessThan(250,
            "the median wake-up comes from the notification; a one-second recheck alone would give a median near 500 ms");
    }

    [OwnClusterFact]
    public async Task IdsCommittedOutOfOrder_StillStreamOnceInIdOrder_AndARolledBackIdDoesNotStallTheStream()
    {
        var db = databases.NewDatabase();
        await using var server = await ServerProcess.StartAsync(new ServerOptions { Db = db });
        using var api = new Api(server.BaseAddress);
        var pipeline = await api.CreatePipelineAsync();
        var taskId = await api.CreateTaskAsync(pipeline.Id);
        var lease = await api.ClaimOneAsync(pipeline.WorkRole);
        var before = await api.AllEventsAsync(lease.RunId);
        await using var stream = await SseStream.OpenOkAsync(server.BaseAddress, $"/runs/{lease.RunId}/events/stream");
        (await stream.TakeAsync(before.Count, TimeSpan.FromSeconds(20))).Should().HaveCount(before.Count, "the replay comes first");

        // Two transactions of other writers: the one holding the lower id commits later.
        await using var slow = OwnCluster.Connect(db);
        await using var quick = OwnCluster.Connect(db);
        // The quick one also has the lower transaction id, so the gap's writer runs with an id above the
        // latest completed one (above the snapshot's xmax): the horizon must not take that for "ended".
        await using var slowTx = await slow.BeginTransactionAsync();
        long low;
        await using (var quickTx = await quick.BeginTransactionAsync())
        {
            quick.ExecuteScalar<string>("SELECT pg_current_xact_id()::text");
            low = Append(slow, lease.RunId, taskId, "low");
            var high = Append(quick, lease.RunId, taskId, "high");
            high.Should().BeGreaterThan(low);
            await quickTx.CommitAsync();
        }
        // No other commit now: the node's once-a-second rechecks see the gap alone; two of them must hold "high" back.
        (await stream.NextAsync(TimeSpan.FromSeconds(2.5))).Should().BeNull("the lower id's transaction is still running");
        var after1 = await AppendViaApi(api, lease, "after-1");

        // The server had every chance to send what it has; while the lower id may still commit, it must hold back.
        Waiters.Items(await api.GetAsync($"/tasks/{taskId}/events?limit=1000")).EnumerateArray().Select(e => e.Int("id"))
            .Should().NotContain(id => id >= low, "the task's event list pages only up to the settled horizon, as the streams do");
        (await stream.NextAsync(TimeSpan.FromSeconds(1))).Should().BeNull("no id above one that may still commit is sent");

        await slowTx.CommitAsync();
        var after2 = await AppendViaApi(api, lease, "after-2");
        var delivered = await stream.TakeAsync(4, TimeSpan.FromSeconds(20));
        delivered.Select(e => e.Json.GetProperty("data").GetProperty("n").GetString())
            .Should().Equal(["low", "high", "after-1", "after-2"], "every event once, in id order");
        delivered.Select(e => e.Id).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        delivered[^1].Id.Should().Be(after2);
        delivered[2].Id.Should().Be(after1);

        // A transaction that takes an id and rolls back leaves a gap for good; the stream moves past it.
        await using (var doomed = await slow.BeginTransactionAsync())
        {
            Append(slow, lease.RunId, taskId, "never");
            var after3 = await AppendViaApi(api, lease, "after-3");
            await doomed.RollbackAsync();
            var next = await stream.NextAsync(TimeSpan.FromSeconds(20));
            next.Should().NotBeNull("the rolled-back id is skipped once its transaction has ended");
            next!.Id.Should().Be(after3);
        }

        // A client resuming from before the out-of-order pair gets the same events again, once each.
        await using var resumed = await SseStream.OpenOkAsync(server.BaseAddress, $"/runs/{lease.RunId}/events/stream",
            lastEventId: (low - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await resumed.TakeAsync(5, TimeSpan.FromSeconds(20))).Select(e => e.Json.GetProperty("data").GetProperty("n").GetString())
            .Should().Equal("low", "high", "after-1", "after-2", "after-3");
    }

    /// <summary>An event insert as the server's own writes make it: the transaction takes its id first (Storage/Postgres RunWrites).</summary>
    private static long Append(NpgsqlConnection db, string runId, string taskId, string n)
    {
        db.ExecuteScalar<string>("SELECT pg_current_xact_id()::text");
        return db.ExecuteScalar<long>(
            "INSERT INTO events (run_id, task_id, ts_ms, kind, data_json) VALUES (@runId, @taskId, 0, 'step', @data) RETURNING id",
            new { runId, taskId, data = $$"""{"n":"{{n}}"}""" });
    }

    private static async Task<long> AppendViaApi(Api api, Lease lease, string n)
    {
        var response = await api.AppendEventAsync(lease, "step", new System.Text.Json.Nodes.JsonObject { ["n"] = n });
        Expect.Status(response, 201);
        return response.Json.GetProperty("id").GetInt64();
    }
}
