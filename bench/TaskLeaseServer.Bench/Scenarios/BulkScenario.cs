using System.Diagnostics;
using TaskLeaseServer.Bench.Harness;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// Tasks created through /tasks/bulk, several clients at once, on a fresh database; beside it the
/// same server answering GET /health (as many clients as the cycle's agents). The target is the
/// server CPU per task created against the server CPU per health request, which holds across
/// machines where the rate does not; the two phases alternate in rounds so noise falls on both.
/// </summary>
public static class BulkScenario
{
    public const double Target = 0.2;

    private const string Definition = """
        {"initial":"todo","states":{"todo":{"agent_role":"coder"},"done":{"terminal":true}},
         "transitions":[{"from":"todo","to":"done","trigger":"finish"}]}
        """;

    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        await using var server = await context.OpenServer();
        var pipeline = await Wire.CreatePipeline(server.Typed, $"bench-bulk-{context.RunId}", Definition);

        async Task<bool> Health(int agent, Latencies lat)
        {
            var t = Stopwatch.GetTimestamp();
            await server.Client.Get("/health", 200);
            lat.Add("health", t);
            return true;
        }
        // Warm-up of both, long enough for tiered JIT to settle: in a profile of a fresh server its
        // compilation thread was 29 % of the samples over the first 15 s, and a 5,000-task warm-up
        // left it on the measured rounds, unevenly between the two.
        var warmUp = TimeSpan.FromSeconds(o.Smoke ? 0.2 : Math.Min(4, o.Seconds * 0.4));
        await Seeder.Seed(server.Client, pipeline, 50_000_000, o.BulkClients, timeLimit: warmUp);
        await Load.Run(o.Agents, warmUp / 2, Health);
        await Seeder.Seed(server.Client, pipeline, 50_000_000, o.BulkClients, timeLimit: warmUp / 2);

        var rounds = o.Smoke ? 1 : 8;
        var slice = context.Phase / rounds;
        TimeSpan bulkCpu = default, healthCpu = default, bulkTime = default;
        long tasks = 0, healths = 0;
        for (var r = 0; r < rounds; r++)
        {
            var cpu = server.Cpu();
            healths += (await Load.Run(o.Agents, slice, Health)).Loops;
            healthCpu += server.Cpu() - cpu;
            // Bounded by time, and by count so a very fast server still stops.
            cpu = server.Cpu();
            var result = await Seeder.Seed(server.Client, pipeline, 50_000_000, o.BulkClients, timeLimit: slice);
            bulkCpu += server.Cpu() - cpu;
            tasks += result.Tasks;
            bulkTime += result.Elapsed;
        }

        var report = context.Report;
        var rate = tasks / bulkTime.TotalSeconds;
        report.Info("bulk", $"tasks created/s ({o.BulkClients} clients × {Seeder.BatchSize} per request; ≥ 50,000/s on a quiet machine)",
            Report.Rate(rate, "/s"));
        report.Info("bulk", $"server CPU per task created / per GET /health ({o.Agents} clients)",
            $"{Report.CpuPer(bulkCpu, tasks)} / {Report.CpuPer(healthCpu, healths)}");
        var ratio = (bulkCpu / Math.Max(1, tasks)) / (healthCpu / Math.Max(1, healths));
        report.Check("bulk", "server CPU per task created ÷ per GET /health", Report.Ratio(ratio), "≤ 0.20×", ratio <= Target);
    }
}
