using System.Diagnostics;
using TaskLeaseServer.Bench.Harness;
using TaskLeaseServer.Client;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// Claim latency with a small and a large backlog, and with blocked tasks ranked above the claimable
/// ones. A few agents claim and at once release, so the backlog keeps its size. When this run starts
/// the servers itself, the small and the large backlog live in two servers measured in alternating
/// rounds, so noise on a shared machine falls on both alike; against --url they are measured one
/// after the other on the same server. The large server is also the one the memory figure is read from.
/// </summary>
public static class BacklogScenario
{
    public const double MaxRatio = 1.25;
    public const long MaxRssBytes = 250L * 1024 * 1024;

    private static readonly byte[] Empty = Wire.Utf8("{}");

    /// <summary>A pool of claimable work for one role, on one server.</summary>
    private sealed record Queue(ServerTarget Server, string Role, string PipelineId);

    public static async Task Run(BenchContext context, bool measureClaims, bool reportMemory)
    {
        var o = context.Options;
        var sharedServer = o.Url is not null;
        await using var large = await context.OpenServer();
        await using var small = sharedServer || !measureClaims ? null : await context.OpenServer();
        var sameServer = small is null;

        var largeQueue = await NewQueue(context, large, "large");
        var smallQueue = small is null ? largeQueue : await NewQueue(context, small, "small");
        await Seeder.Seed(smallQueue.Server.Client, smallQueue.PipelineId, o.SmallBacklog, o.BulkClients);
        var report = context.Report;

        Latencies? smallAlone = null;
        if (measureClaims && sameServer) smallAlone = await Measure(context, smallQueue, context.Phase);

        var seeded = await Seeder.Seed(large.Client, largeQueue.PipelineId, o.LargeBacklog - (sameServer ? o.SmallBacklog : 0), o.BulkClients);
        report.Info("backlog", $"bulk while seeding {o.LargeBacklog:#,0} tasks ({o.BulkClients} clients)", Report.Rate(seeded.PerSecond, "tasks/s"));

        if (measureClaims)
        {
            var (baseline, withLarge) = smallAlone is null
                ? await Interleave(context, smallQueue, largeQueue)
                : (smallAlone, await Measure(context, largeQueue, context.Phase));
            Compare(report, $"{o.SmallBacklog:#,0}", baseline, $"{o.LargeBacklog:#,0} waiting", withLarge);
        }

        // Blocked work ranked above the claimable tasks: each depends on an upstream that never finishes.
        var gate = await Wire.CreatePipeline(large.Typed, $"bench-gate-{context.RunId}", $$$"""
            {"initial":"hold","states":{"hold":{"agent_role":"nobody-{{{context.RunId}}}"},"done":{"terminal":true}},
             "transitions":[{"from":"hold","to":"done","trigger":"finish"}]}
            """);
        var upstream = await large.Typed.CreateTaskAsync(new NewTask(gate, "gate", "never finishes"));
        var blocked = await Seeder.Seed(large.Client, largeQueue.PipelineId, o.BlockedTasks, o.BulkClients, priority: 10, dependsOn: upstream);
        report.Info("backlog", $"bulk while seeding {o.BlockedTasks:#,0} blocked tasks (one dependency each)", Report.Rate(blocked.PerSecond, "tasks/s"));

        if (measureClaims)
        {
            var (baseline, withBlocked) = smallAlone is null
                ? await Interleave(context, smallQueue, largeQueue)
                : (smallAlone, await Measure(context, largeQueue, context.Phase));
            Compare(report, $"{o.SmallBacklog:#,0}", baseline, $"{o.LargeBacklog:#,0} waiting + {o.BlockedTasks:#,0} blocked above", withBlocked);
        }

        if (reportMemory) ReportMemory(context, large);
    }

    private static async Task<Queue> NewQueue(BenchContext context, ServerTarget server, string name)
    {
        var role = $"{name}-{context.RunId}";
        var pipeline = await Wire.CreatePipeline(server.Typed, $"bench-backlog-{name}-{context.RunId}", $$$"""
            {"initial":"todo","states":{"todo":{"agent_role":"{{{role}}}"},"done":{"terminal":true}},
             "transitions":[{"from":"todo","to":"done","trigger":"finish"}]}
            """);
        return new Queue(server, role, pipeline);
    }

    /// <summary>Alternating rounds on the small and the large queue; returns (small, large) latencies.</summary>
    private static async Task<(Latencies Small, Latencies Large)> Interleave(BenchContext context, Queue small, Queue large)
    {
        await Measure(context, small, TimeSpan.FromSeconds(Math.Min(1, context.Options.Seconds * 0.2)));   // warm-up
        await Measure(context, large, TimeSpan.FromSeconds(Math.Min(1, context.Options.Seconds * 0.2)));
        var rounds = context.Options.Smoke ? 1 : 8;
        var slice = context.Phase / rounds;
        var smalls = new List<Latencies>();
        var larges = new List<Latencies>();
        for (var r = 0; r < rounds; r++)
        {
            smalls.Add(await Measure(context, small, slice));
            larges.Add(await Measure(context, large, slice));
        }
        return (Latencies.Merge(smalls), Latencies.Merge(larges));
    }

    /// <summary>A few agents claiming and releasing at once; the claim latencies.</summary>
    private static async Task<Latencies> Measure(BenchContext context, Queue queue, TimeSpan duration)
    {
        var client = queue.Server.Client;
        var bodies = Enumerable.Range(0, context.Options.BacklogAgents)
            .Select(i => Wire.ClaimBody($"backlog-agent-{i}", queue.Role)).ToArray();
        var result = await Load.Run(bodies.Length, duration, async (agent, lat) =>
        {
            var t = Stopwatch.GetTimestamp();
            var answer = await client.Post("/leases/claim", bodies[agent], 200);
            lat.Add("claim", t);
            if (Wire.ParseClaim(answer) is not { } lease) return false;
            await client.PostWithLease($"/leases/{lease.LeaseId}/release", Empty, lease.Token, 200);
            return true;
        });
        return result.Latencies;
    }

    private static void Compare(Report report, string baseName, Latencies baseline, string name, Latencies measured)
    {
        foreach (var p in new[] { 50, 99 })
        {
            var b = baseline.Percentile("claim", p);
            var m = measured.Percentile("claim", p);
            var ratio = m / b;
            report.Check("backlog", $"claim p{p}: {name} vs {baseName} waiting ({Report.Ms(m)} vs {Report.Ms(b)})",
                Report.Ratio(ratio), $"≤ {MaxRatio:0.00}×", ratio <= MaxRatio);
        }
    }

    private static void ReportMemory(BenchContext context, ServerTarget large)
    {
        if (large.Process?.PeakRssBytes() is not { } peak)
        {
            context.Report.Info("memory", "server peak RSS", "n/a (server given by --url)");
            return;
        }
        context.Report.Check("memory", $"server peak RSS (VmHWM) after {context.Options.LargeBacklog:#,0} + {context.Options.BlockedTasks:#,0} tasks",
            Report.Mb(peak), "≤ 250 MB", peak <= MaxRssBytes);
    }
}
