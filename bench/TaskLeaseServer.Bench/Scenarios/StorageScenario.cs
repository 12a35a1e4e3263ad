using System.Diagnostics;
using System.Text.Json;
using TaskLeaseServer.Bench.Harness;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage.Sqlite;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// The storage ceiling: the cycle's three write units (claim, event, transition) driven straight into
/// WriteQueue + LeaseStore + RunStore in this process, with no HTTP, no JSON and no Kestrel. Beside
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
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;   // as the server's composition sets it
        var dir = Directory.CreateTempSubdirectory("tls-bench-storage-").FullName;
        try
        {
            var database = new SqliteDatabase(new StorageOptions(Path.Combine(dir, "storage.db")));
            database.Migrate();
            using var queue = new WriteQueue(database, TimeProvider.System);
            var catalog = new PipelineCatalog();
            var lifecycle = new TaskLifecycle(catalog);
            var tasks = new TaskStore(database, catalog);
            var leases = new LeaseStore(lifecycle);
            var runs = new RunStore(database, catalog, lifecycle);

            using var doc = JsonDocument.Parse(Definition);
            var pipeline = await queue.Write(ctx =>
                new PipelineStore(database).Create(ctx, "storage", Definition, PipelineDefinition.Parse(doc.RootElement)));
            var task = new NewTask(pipeline, "bench task", "seeded by the benchmark", 0, "{}", null, 0, null, [], null, null);
            await queue.Write(ctx =>
            {
                for (var i = 0; i < Math.Max(1_000, o.Agents * 50); i++) tasks.Create(ctx, task);
                return true;
            });

            var noLimits = new Dictionary<string, long>();
            var claims = Enumerable.Range(0, o.Agents).Select(i =>
                new ClaimRequest($"agent-{i}", i % 2 == 0 ? "coder" : "reviewer", Limits.DefaultLeaseTtlMs, noLimits)).ToArray();

            async Task<bool> Cycle(int agent, Latencies lat)
            {
                var t = Stopwatch.GetTimestamp();
                var claimed = await queue.Write(ctx => leases.Claim(ctx, claims[agent]));
                if (claimed is null)
                {
                    lat.Add("claim (no work)", t);
                    return false;
                }
                lat.Add("claim", t);
                var hash = LeaseToken.HashOf(claimed.LeaseToken)!;
                var runId = claimed.Run.Id;
                t = Stopwatch.GetTimestamp();
                await queue.Write(ctx => RunStore.Authorize(ctx, runId, hash, () => runs.AppendEvent(ctx, runId, "progress", """{"step":1}""")));
                lat.Add("event", t);
                t = Stopwatch.GetTimestamp();
                var trigger = agent % 2 == 0 ? "submit" : "reject";
                await queue.Write(ctx =>
                {
                    var (lease, request) = RunStore.Authorize(ctx, runId, hash, () => new TransitionCommand(trigger, null, null, null, null));
                    return runs.Transition(ctx, lease, request);
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
            if (context.Figures.TryGetValue("cycle/s", out var http))
                report.Info("storage", "HTTP cycle ÷ storage cycle", Report.Ratio(http / result.PerSecond));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { /* a temp dir left behind is harmless */ }
        }
    }
}
