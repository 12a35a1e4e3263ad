using System.Diagnostics;
using TaskLeaseServer.Bench.Harness;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// N agents loop claim → one event → transition on a two-stage pipeline; beside it the HTTP ceiling:
/// the same agents doing three GET /health per loop. Both are loops of three requests, so
/// cycles/s ÷ ceiling loops/s says how much of the HTTP stack's capacity the real work keeps.
/// Reviewers reject back to "todo", so the pre-seeded pool never drains however long the run.
/// The two phases alternate in rounds so that noise on a shared machine falls on both alike.
/// </summary>
public static class CycleScenario
{
    // The cycle's pipeline and request bodies, shared by the scenarios that run the same loop (nodes, client).
    internal const string Definition = """
        {"initial":"todo","states":{"todo":{"agent_role":"coder"},"review":{"agent_role":"reviewer"},"done":{"terminal":true}},
         "transitions":[{"from":"todo","to":"review","trigger":"submit"},{"from":"review","to":"todo","trigger":"reject"},
                        {"from":"review","to":"done","trigger":"approve"}]}
        """;

    internal static readonly byte[] EventBody = Wire.Utf8("""{"kind":"progress","data":{"step":1,"note":"working"}}""");
    internal static readonly byte[] SubmitBody = Wire.Utf8("""{"trigger":"submit"}""");
    internal static readonly byte[] RejectBody = Wire.Utf8("""{"trigger":"reject"}""");

    /// <summary>Even agents code, odd agents review, so tasks keep moving between the two stages.</summary>
    internal static string Role(int agent) => agent % 2 == 0 ? "coder" : "reviewer";

    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        await using var server = await context.OpenServer();
        var client = server.Client;
        var pipeline = await Wire.CreatePipeline(server.Typed, $"bench-cycle-{context.RunId}", Definition);
        await Seeder.Seed(client, pipeline, Math.Max(1_000, o.Agents * 50), o.BulkClients);

        var claimBodies = Enumerable.Range(0, o.Agents)
            .Select(i => Wire.ClaimBody($"agent-{i}", Role(i))).ToArray();

        async Task<bool> Cycle(int agent, Latencies lat)
        {
            var t = Stopwatch.GetTimestamp();
            var answer = await client.Post("/leases/claim", claimBodies[agent], 200, 204);
            if (Wire.ParseClaim(answer) is not { } lease)
            {
                lat.Add("claim (no work)", t);
                return false;
            }
            lat.Add("claim", t);
            t = Stopwatch.GetTimestamp();
            await client.PostWithLease($"/runs/{lease.RunId}/events", EventBody, lease.Token, 201);
            lat.Add("event", t);
            t = Stopwatch.GetTimestamp();
            await client.PostWithLease($"/runs/{lease.RunId}/transition", agent % 2 == 0 ? SubmitBody : RejectBody, lease.Token, 200);
            lat.Add("transition", t);
            return true;
        }

        async Task<bool> Ceiling(int agent, Latencies lat)
        {
            for (var i = 0; i < 3; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await client.Get("/health", 200);
                lat.Add("health", t);
            }
            return true;
        }

        // Warm-up: JIT, connection pools, and tasks spread over both stages.
        await Load.Run(o.Agents, TimeSpan.FromSeconds(Math.Min(2, o.Seconds * 0.3)), Cycle);
        await Load.Run(o.Agents, TimeSpan.FromSeconds(Math.Min(1, o.Seconds * 0.2)), Ceiling);

        var rounds = o.Smoke ? 1 : 8;
        var slice = context.Phase / rounds;
        var cycles = new List<LoadResult>();
        var ceilings = new List<LoadResult>();
        TimeSpan ceilingCpu = default, cycleCpu = default;
        for (var r = 0; r < rounds; r++)
        {
            var cpu = server.Cpu();
            ceilings.Add(await Load.Run(o.Agents, slice, Ceiling));
            ceilingCpu += server.Cpu() - cpu;
            cpu = server.Cpu();
            cycles.Add(await Load.Run(o.Agents, slice, Cycle));
            cycleCpu += server.Cpu() - cpu;
        }

        var cycle = Combine(cycles);
        var ceiling = Combine(ceilings);
        context.Figures["cycle/s"] = cycle.PerSecond;
        var report = context.Report;
        report.Info("cycle", $"cycles/s ({o.Agents} agents: claim → event → transition)", Report.Rate(cycle.PerSecond, "/s"));
        report.Info("cycle", "HTTP ceiling loops/s (same agents, 3× GET /health)", Report.Rate(ceiling.PerSecond, "/s"));
        var ratio = cycle.PerSecond / ceiling.PerSecond;
        report.Check("cycle", "cycle ÷ ceiling", Report.Ratio(ratio), "≥ 0.50×", ratio >= 0.5);
        report.Info("cycle", "server CPU per cycle / per ceiling loop", $"{Report.CpuPer(cycleCpu, cycle.Loops + cycle.IdleLoops)} / {Report.CpuPer(ceilingCpu, ceiling.Loops)}");
        foreach (var kind in new[] { "claim", "event", "transition", "health" })
        {
            var lat = kind == "health" ? ceiling.Latencies : cycle.Latencies;
            report.Info("cycle", $"{kind} p50 / p99", $"{Report.Ms(lat.Percentile(kind, 50))} / {Report.Ms(lat.Percentile(kind, 99))}");
        }
        if (cycle.IdleLoops > 0) report.Info("cycle", "claims that found no work (not counted)", cycle.IdleLoops.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture));
    }

    private static LoadResult Combine(List<LoadResult> parts) =>
        new(parts.Sum(p => p.Loops), parts.Sum(p => p.IdleLoops), TimeSpan.FromTicks(parts.Sum(p => p.Elapsed.Ticks)),
            Latencies.Merge(parts.Select(p => p.Latencies)));
}
