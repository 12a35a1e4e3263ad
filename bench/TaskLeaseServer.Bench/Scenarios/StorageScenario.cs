using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskLeaseServer.Bench.Harness;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// The storage ceiling: the cycle's three write units (claim, event, transition) driven straight into
/// the storage engine's writer through the Lifecycle sequences, in this process, with no HTTP, no
/// JSON and no Kestrel. Beside
/// the HTTP cycle figure it shows how much of a cycle's cost is the storage layer itself.
/// </summary>
public static class StorageScenario
{
    private const string Definition = """
        {"initial":"todo","states":{"todo":{"agent_role":"coder"},"review":{"agent_role":"reviewer"},"done":{"terminal":true}},
         "transitions":[{"from":"todo","to":"review","trigger":"submit"},{"from":"review","to":"todo","trigger":"reject"}]}
        """;

    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        var dir = Directory.CreateTempSubdirectory("tls-bench-storage-").FullName;
        try
        {
            // The server's own storage composition: the engine and its housekeeping (WAL checkpoints beside the writer).
            await using var provider = new ServiceCollection()
                .AddLogging()
                .AddSingleton(TimeProvider.System)
                .AddStorageEngine(_ => new StorageOptions(Path.Combine(dir, "storage.db")))
                .BuildServiceProvider();
            var engine = provider.GetRequiredService<IStorageEngine>();
            engine.Migrate();
            var housekeeping = provider.GetServices<IHostedService>().ToList();
            foreach (var service in housekeeping) await service.StartAsync(CancellationToken.None);
            var writer = engine.Writer;

            using var doc = JsonDocument.Parse(Definition);
            var pipeline = await writer.Run(unit => Creation.Pipeline(unit, "storage", Definition, PipelineDefinition.Parse(doc.RootElement)));
            var task = new NewTask(pipeline, "bench task", "seeded by the benchmark", 0, "{}", null, 0, null, [], null, null);
            await writer.Run(unit => Creation.Tasks(unit, Enumerable.Repeat(task, Math.Max(1_000, o.Agents * 50)).ToList()));

            var noLimits = new Dictionary<string, long>();
            var claims = Enumerable.Range(0, o.Agents).Select(i =>
                new ClaimRequest($"agent-{i}", i % 2 == 0 ? "coder" : "reviewer", Limits.DefaultLeaseTtlMs, noLimits)).ToArray();

            async Task<bool> Cycle(int agent, Latencies lat)
            {
                var t = Stopwatch.GetTimestamp();
                var claimed = await writer.Run(unit => Claims.Claim(unit, claims[agent]));
                if (claimed is null)
                {
                    lat.Add("claim (no work)", t);
                    return false;
                }
                lat.Add("claim", t);
                var hash = LeaseToken.HashOf(claimed.LeaseToken)!;
                var runId = claimed.Run.Id;
                t = Stopwatch.GetTimestamp();
                await writer.Run(unit =>
                {
                    var (lease, data) = LeaseHolder.Authorize(unit, runId, hash, () => """{"step":1}""");
                    return LeaseHolder.AppendEvent(unit, lease, hash, "progress", data);
                });
                lat.Add("event", t);
                t = Stopwatch.GetTimestamp();
                var trigger = agent % 2 == 0 ? "submit" : "reject";
                await writer.Run(unit =>
                {
                    var (lease, command) = LeaseHolder.Authorize(unit, runId, hash, () => new TransitionCommand(trigger, null, null, null, null));
                    return LeaseHolder.Transition(unit, lease, hash, command);
                });
                lat.Add("transition", t);
                return true;
            }

            await Load.Run(o.Agents, TimeSpan.FromSeconds(Math.Min(2, o.Seconds * 0.3)), Cycle);   // warm-up
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var result = await Load.Run(o.Agents, context.Phase, Cycle);
            cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;

            var report = context.Report;
            report.Info("storage", $"cycles/s in-process, no HTTP ({o.Agents} agents, 3 write units per cycle)", Report.Rate(result.PerSecond, "/s"));
            report.Info("storage", "process CPU per cycle (storage + the in-process agents)", Report.CpuPer(cpu, result.Loops + result.IdleLoops));
            foreach (var kind in new[] { "claim", "event", "transition" })
            {
                report.Info("storage", $"{kind} unit p50 / p99 (queue wait + commit)",
                    $"{Report.Ms(result.Latencies.Percentile(kind, 50))} / {Report.Ms(result.Latencies.Percentile(kind, 99))}");
            }
            foreach (var service in housekeeping) await service.StopAsync(CancellationToken.None);
            if (context.Figures.TryGetValue("cycle/s", out var http))
                report.Info("storage", "HTTP cycle ÷ storage cycle", Report.Ratio(http / result.PerSecond));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { /* a temp dir left behind is harmless */ }
        }
    }
}
