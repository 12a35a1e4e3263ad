using System.Diagnostics;
using TaskLeaseServer.Bench.Harness;
using TaskLeaseServer.Client;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// The cycle loop (claim → event → transition, N agents) on three set-ups in the same run: one
/// SQLite server, one PostgreSQL node, and three PostgreSQL nodes on one database with the agents
/// spread over them round-robin. The set-ups run in alternating rounds so that noise on a shared
/// machine falls on all alike. Reported as ratios, with the CPU each cycle costs in the server
/// processes and in PostgreSQL (the postmaster and its backends), which is what the scaling
/// model in docs/benchmarks.md is built from.
/// </summary>
public static class NodesScenario
{
    public const double MinThreeNodeRatio = 0.8;

    /// <summary>One set-up: its servers, one client per server, and whether PostgreSQL's CPU counts for it.</summary>
    private sealed class Setup(string name, List<ServerProcess> servers, bool postgres) : IAsyncDisposable
    {
        public string Name => name;
        public bool Postgres => postgres;
        public List<ServerProcess> Servers => servers;
        public BenchClient[] Clients { get; } = servers.Select(s => new BenchClient(s.Url, null)).ToArray();
        /// <summary>Set-up only; the agents' cycle goes through <see cref="Clients"/>.</summary>
        public TaskLeaseClient Typed { get; } = new(servers[0].Url);
        public List<LoadResult> Results { get; } = [];
        public TimeSpan NodeCpu { get; set; }
        public TimeSpan DatabaseCpu { get; set; }
        public TimeSpan Cpu() => servers.Aggregate(TimeSpan.Zero, (sum, s) => sum + (s.CpuTime() ?? TimeSpan.Zero));

        public async ValueTask DisposeAsync()
        {
            foreach (var c in Clients) c.Dispose();
            Typed.Dispose();
            foreach (var s in servers) await s.DisposeAsync();
        }
    }

    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        if (o.Url is not null) throw new ArgumentException("the nodes scenario starts its own servers; it cannot use --url");
        var cluster = context.Cluster;
        var single = cluster.NewDatabase();
        var shared = cluster.NewDatabase();
        await using var sqlite = new Setup("SQLite, 1 server", [await ServerProcess.Start(o.ServerDll)], postgres: false);
        await using var one = new Setup("PostgreSQL, 1 node", [await ServerProcess.Start(o.ServerDll, single + "?application_name=single")], postgres: true);
        await using var three = new Setup("PostgreSQL, 3 nodes", [.. await Task.WhenAll(Enumerable.Range(1, 3).Select(i =>
            ServerProcess.Start(o.ServerDll, $"{shared}?application_name=n{i}")))], postgres: true);
        Setup[] setups = [sqlite, one, three];

        var claimBodies = Enumerable.Range(0, o.Agents).Select(i => Wire.ClaimBody($"agent-{i}", CycleScenario.Role(i))).ToArray();
        foreach (var setup in setups)
        {
            foreach (var c in setup.Clients) context.Track(c);
            var pipeline = await Wire.CreatePipeline(setup.Typed, $"bench-nodes-{context.RunId}", CycleScenario.Definition);
            await Seeder.Seed(setup.Clients[0], pipeline, Math.Max(1_000, o.Agents * 50), o.BulkClients);
        }

        Func<int, Latencies, Task<bool>> Cycle(Setup setup) => async (agent, lat) =>
        {
            var client = setup.Clients[agent % setup.Clients.Length];
            var t = Stopwatch.GetTimestamp();
            var answer = await client.Post("/leases/claim", claimBodies[agent], 200, 204);
            if (Wire.ParseClaim(answer) is not { } lease)
            {
                lat.Add("claim (no work)", t);
                return false;
            }
            lat.Add("claim", t);
            t = Stopwatch.GetTimestamp();
            await client.PostWithLease($"/runs/{lease.RunId}/events", CycleScenario.EventBody, lease.Token, 201);
            lat.Add("event", t);
            t = Stopwatch.GetTimestamp();
            await client.PostWithLease($"/runs/{lease.RunId}/transition", agent % 2 == 0 ? CycleScenario.SubmitBody : CycleScenario.RejectBody, lease.Token, 200);
            lat.Add("transition", t);
            return true;
        };

        foreach (var setup in setups) await Load.Run(o.Agents, TimeSpan.FromSeconds(Math.Min(2, o.Seconds * 0.3)), Cycle(setup));

        var rounds = o.Smoke ? 1 : 6;
        var slice = context.Phase / rounds;
        var postmaster = cluster.PostmasterPid;
        for (var r = 0; r < rounds; r++)
        {
            foreach (var setup in setups)
            {
                var nodeCpu = setup.Cpu();
                var dbCpu = ProcStatus.TreeCpuTime(postmaster);
                setup.Results.Add(await Load.Run(o.Agents, slice, Cycle(setup)));
                setup.NodeCpu += setup.Cpu() - nodeCpu;
                if (setup.Postgres) setup.DatabaseCpu += ProcStatus.TreeCpuTime(postmaster) - dbCpu;
            }
        }

        var report = context.Report;
        var rate = new Dictionary<Setup, double>();
        foreach (var setup in setups)
        {
            var loops = setup.Results.Sum(p => p.Loops);
            var idle = setup.Results.Sum(p => p.IdleLoops);
            var elapsed = TimeSpan.FromTicks(setup.Results.Sum(p => p.Elapsed.Ticks));
            rate[setup] = loops / elapsed.TotalSeconds;
            var latencies = Latencies.Merge(setup.Results.Select(p => p.Latencies));
            report.Info("nodes", $"{setup.Name}: cycles/s ({o.Agents} agents)", Report.Rate(rate[setup], "/s"));
            report.Info("nodes", $"{setup.Name}: CPU per cycle, servers{(setup.Postgres ? " / PostgreSQL" : "")}",
                Report.CpuPer(setup.NodeCpu, loops + idle) + (setup.Postgres ? " / " + Report.CpuPer(setup.DatabaseCpu, loops + idle) : ""));
            report.Info("nodes", $"{setup.Name}: claim / transition p50, p99",
                $"{Report.Ms(latencies.Percentile("claim", 50))}, {Report.Ms(latencies.Percentile("claim", 99))} / " +
                $"{Report.Ms(latencies.Percentile("transition", 50))}, {Report.Ms(latencies.Percentile("transition", 99))}");
        }
        report.Info("nodes", "PostgreSQL 1 node ÷ SQLite", Report.Ratio(rate[one] / rate[sqlite]));
        var ratio = rate[three] / rate[one];
        report.Check("nodes", "PostgreSQL 3 nodes ÷ 1 node", Report.Ratio(ratio), $"≥ {MinThreeNodeRatio:0.0}×", ratio >= MinThreeNodeRatio);
    }
}
