using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using TaskLeaseServer.Testing;
using Xunit;
using Xunit.Abstractions;

namespace TaskLeaseServer.Conformance.Resilience.MultiNode;

/// <summary>
/// Issue 9: three server processes on one PostgreSQL database, 24 agents spread over them, and two
/// nodes killed with -9 while the queue drains: first n1 (started first, so it leads the sweeper),
/// then whichever node took the sweeper over. No task is ever held by two leases, every task moves
/// exactly once per stage, the leases of agents that died with a node are reaped by a survivor, and
/// no living node answers 5xx.
/// </summary>
[Collection(OwnClusterCollection.Name)]
public sealed class MultiNodeFacts(ITestOutputHelper output)
{
    private const int Agents = 24;
    private const int Tasks = 900;
    private const int SweepIntervalMs = 200;
    private const int AbandonedPerKill = 3;

    [OwnClusterFact]
    public async Task ThreeNodes_TwoKilledMidLoad_EveryTaskMovesOncePerStage_AndNoLiveNodeAnswers5xx()
    {
        using var cluster = new OwnCluster();
        var db = cluster.NewDatabase();
        await using var nodes = await Nodes.StartAsync(db, 3, SweepIntervalMs);
        nodes.Leader().Should().Be(0, "n1 started alone and took the sweeper");

        var (pipelineId, work, review) = await Pipeline(nodes);
        for (var created = 0; created < Tasks; created += 150)
        {
            var items = string.Join(",", Enumerable.Range(created, 150).Select(i =>
                $$"""{"pipeline_id":"{{pipelineId}}","title":"t{{i}}","description":"","priority":{{i % 5}}}"""));
            (await nodes.SendAsync(created / 150, HttpMethod.Post, "/tasks/bulk", $$"""{"tasks":[{{items}}]}""")).Status.Should().Be(201);
        }

        var holders = new ConcurrentDictionary<string, string>();
        var moved = new ConcurrentDictionary<(string Task, string Stage), int>();
        var violations = new ConcurrentQueue<string>();
        var finished = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        async Task Agent(int n)
        {
            var agent = $"agent-{n}";
            var home = n % nodes.Count; // the node this agent's load balancer sends it to first
            var roles = n % 2 == 0 ? new[] { work, review } : new[] { review, work };
            while (Volatile.Read(ref finished) < Tasks && !deadline.IsCancellationRequested)
            {
                var didWork = false;
                foreach (var role in roles)
                {
                    var (status, claim) = await nodes.SendAsync(home, HttpMethod.Post, "/leases/claim",
                        $$"""{"agent_id":"{{agent}}","agent_role":"{{role}}","lease_ttl_ms":60000}""");
                    if (status == 204) continue;
                    if (status != 200) { violations.Enqueue($"{agent}: claim answered {status} {claim}"); continue; }
                    var task = claim!.Value.GetProperty("task");
                    var taskId = task.GetProperty("id").GetString()!;
                    var stage = task.GetProperty("stage").GetString()!;
                    var runId = claim.Value.GetProperty("run").GetProperty("id").GetString()!;
                    var token = claim.Value.GetProperty("lease_token").GetString()!;
                    if (!holders.TryAdd(taskId, agent)) violations.Enqueue($"{taskId} granted to {agent} while {holders[taskId]} held it");

                    holders.TryRemove(taskId, out _);
                    var trigger = stage == "work" ? "submit" : "approve";
                    var (done, answer) = await nodes.SendAsync(home, HttpMethod.Post, $"/runs/{runId}/transition",
                        $$"""{"trigger":"{{trigger}}","expected_stage":"{{stage}}"}""", token);
                    if (done != 200) { violations.Enqueue($"{agent}: transition of {taskId} from {stage} answered {done} {answer}"); continue; }
                    if (moved.AddOrUpdate((taskId, stage), 1, (_, c) => c + 1) > 1) violations.Enqueue($"{taskId} moved twice out of {stage}");
                    if (stage == "review") Interlocked.Increment(ref finished);
                    didWork = true;
                    break;
                }
                if (!didWork) await Task.Delay(25); // nothing claimable right now: the abandoned leases are still running out
            }
        }

        var abandoned = new List<(string Run, string Task)>();
        async Task KillAt(int doneBefore, int node)
        {
            await Nodes.UntilAsync(() => Volatile.Read(ref finished) >= doneBefore || deadline.IsCancellationRequested, TimeSpan.FromMinutes(2), $"{doneBefore} tasks done");
            // Agents that die with the node: claims on it, with a short lease, never finished.
            for (var i = 0; i < AbandonedPerKill; i++)
            {
                var (status, claim) = await nodes.SendAsync(node, HttpMethod.Post, "/leases/claim",
                    $$"""{"agent_id":"doomed-n{{node + 1}}-{{i}}","agent_role":"{{work}}","lease_ttl_ms":1500}""", idempotent: false);
                if (status == 200)
                    lock (abandoned) abandoned.Add((claim!.Value.GetProperty("run").GetProperty("id").GetString()!, claim.Value.GetProperty("task").GetProperty("id").GetString()!));
            }
            var clock = Stopwatch.StartNew();
            await nodes.KillAsync(node);
            await Nodes.UntilAsync(() => nodes.Leader() is not null, TimeSpan.FromSeconds(15), "a surviving node to take the sweeper over");
            output.WriteLine($"killed n{node + 1} at {doneBefore} done; n{nodes.Leader() + 1} swept {clock.ElapsedMilliseconds} ms later");
        }

        var agents = Enumerable.Range(0, Agents).Select(Agent).ToArray();
        await KillAt(Tasks * 3 / 10, 0);
        await KillAt(Tasks * 6 / 10, nodes.Leader()!.Value);
        await Task.WhenAll(agents);

        foreach (var e in nodes.Unreachable.Take(3)) output.WriteLine("unreachable (expected for killed nodes): " + e);
        output.WriteLine($"{nodes.Unreachable.Count} requests met a dead node and went to another");
        violations.Should().BeEmpty();
        nodes.ServerErrors.Should().BeEmpty("a living node never answers 5xx");
        finished.Should().Be(Tasks);
        abandoned.Should().HaveCount(2 * AbandonedPerKill);

        using var sql = OwnCluster.Connect(db);
        sql.ExecuteScalar<long>("SELECT count(*) FROM tasks WHERE stage <> 'done'").Should().Be(0);
        sql.ExecuteScalar<long>("SELECT count(*) FROM leases").Should().Be(0);
        sql.ExecuteScalar<long>("SELECT count(*) FROM (SELECT 1 FROM runs WHERE status = 'completed' GROUP BY task_id, agent_role) t").Should().Be(2 * Tasks);
        sql.ExecuteScalar<long>("SELECT count(*) FROM (SELECT 1 FROM runs WHERE status = 'completed' GROUP BY task_id, agent_role HAVING count(*) > 1) t")
            .Should().Be(0, "one successful run per task and stage");
        // Runs' times are each unit's one clock reading, taken when it starts: a claim that began
        // while the sweeper's reap of the task was committing may be stamped a few ms before that
        // reap's end. Two leases really held at once would overlap by far more than a unit lasts.
        var overlaps = sql.ExecuteScalar<string?>("""
            SELECT string_agg(a.id || ' ' || a.status || ' ' || a.started_at_ms || '..' || a.ended_at_ms || ' / ' ||
                              b.id || ' ' || b.status || ' ' || b.started_at_ms || '..' || b.ended_at_ms, '; ')
            FROM runs a JOIN runs b ON a.task_id = b.task_id AND a.id <> b.id
            WHERE a.started_at_ms <= b.started_at_ms AND b.started_at_ms < a.ended_at_ms
            """);
        output.WriteLine("runs of one task overlapping in their clock readings: " + (overlaps ?? "none"));
        sql.ExecuteScalar<long>("""
            SELECT count(*) FROM runs a JOIN runs b ON a.task_id = b.task_id AND a.id <> b.id
            WHERE a.started_at_ms <= b.started_at_ms AND b.started_at_ms < a.ended_at_ms - 1000
            """).Should().Be(0, "no two runs of one task overlap in time (by more than a unit's run)");
        foreach (var (run, task) in abandoned)
        {
            sql.ExecuteScalar<string>("SELECT status FROM runs WHERE id = @run", new { run }).Should().Be("stale", $"run {run} of a dead agent was reaped");
            sql.ExecuteScalar<long>("SELECT count(*) FROM events WHERE run_id = @run AND kind = 'lease_expired'", new { run }).Should().Be(1);
            sql.ExecuteScalar<long>("SELECT count(*) FROM runs WHERE task_id = @task AND status = 'completed'", new { task }).Should().Be(2);
        }
    }

    private static async Task<(string Id, string Work, string Review)> Pipeline(Nodes nodes)
    {
        var work = "work-" + Guid.NewGuid().ToString("N")[..8];
        var review = "review-" + Guid.NewGuid().ToString("N")[..8];
        var (status, body) = await nodes.SendAsync(0, HttpMethod.Post, "/pipelines", $$"""
            {"name":"nodes-{{work}}","definition":{"initial":"work",
             "states":{"work":{"agent_role":"{{work}}"},"review":{"agent_role":"{{review}}"},"done":{"terminal":true} },
             "transitions":[{"from":"work","to":"review","trigger":"submit"},{"from":"review","to":"done","trigger":"approve"}]} }
            """);
        status.Should().Be(201);
        return (body!.Value.GetProperty("id").GetString()!, work, review);
    }
}

/// <summary>The facts that start clusters and several servers of their own run one at a time (the machine has 2 cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OwnClusterCollection
{
    public const string Name = "own PostgreSQL cluster";
}
