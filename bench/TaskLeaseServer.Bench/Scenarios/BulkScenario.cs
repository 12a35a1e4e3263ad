using TaskLeaseServer.Bench.Harness;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>Tasks created per second through /tasks/bulk, several clients at once, on a fresh database.</summary>
public static class BulkScenario
{
    public const double Target = 50_000;

    private const string Definition = """
        {"initial":"todo","states":{"todo":{"agent_role":"coder"},"done":{"terminal":true}},
         "transitions":[{"from":"todo","to":"done","trigger":"finish"}]}
        """;

    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        await using var server = await context.OpenServer();
        var pipeline = await Wire.CreatePipeline(server.Client, $"bench-bulk-{context.RunId}", Definition);
        await Seeder.Seed(server.Client, pipeline, 5_000, o.BulkClients);   // warm-up

        // Bounded by time, and by count so a very fast server still stops.
        var cpu = server.Cpu();
        var result = await Seeder.Seed(server.Client, pipeline, 50_000_000, o.BulkClients, timeLimit: context.Phase);
        cpu = server.Cpu() - cpu;
        context.Report.Check("bulk", $"tasks created/s ({o.BulkClients} clients × {Seeder.BatchSize} per request)",
            Report.Rate(result.PerSecond, "/s"), "≥ 50,000/s", result.PerSecond >= Target);
        context.Report.Info("bulk", "server CPU per task created", Report.CpuPer(cpu, result.Tasks));
    }
}
