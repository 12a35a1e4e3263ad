using System.Diagnostics;
using TaskLeaseServer.Bench.Harness;
using TaskLeaseServer.Client;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// What the typed client costs (issue 13): the cycle loop (claim → event → transition) through raw
/// HTTP, as every other scenario sends it, and through TaskLeaseClient, in alternating rounds on
/// one server. The client adds its JSON (de)serialisation on the agent's side and an
/// Idempotency-Key on every write, which the server looks up and records in the write's
/// transaction; the ratios say what that safety costs per cycle.
/// </summary>
public static class ClientScenario
{
    private static readonly object EventData = new { step = 1, note = "working" };

    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        await using var server = await context.OpenServer();
        var raw = server.Client;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
            { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(120) };
        var typed = new TaskLeaseClient(http, new TaskLeaseClientOptions { ApiKey = o.ApiToken, MaxRetries = 0 });
        var pipeline = await Wire.CreatePipeline(server.Typed, $"bench-client-{context.RunId}", CycleScenario.Definition);
        await Seeder.Seed(raw, pipeline, Math.Max(1_000, o.Agents * 50), o.BulkClients);

        var claimBodies = Enumerable.Range(0, o.Agents).Select(i => Wire.ClaimBody($"agent-{i}", CycleScenario.Role(i))).ToArray();
        var claims = Enumerable.Range(0, o.Agents).Select(i => new ClaimRequest($"agent-{i}", CycleScenario.Role(i)) { LeaseTtlMs = 300_000 }).ToArray();

        async Task<bool> Raw(int agent, Latencies lat)
        {
            var t = Stopwatch.GetTimestamp();
            if (Wire.ParseClaim(await raw.Post("/leases/claim", claimBodies[agent], 200, 204)) is not { } lease) return false;
            await raw.PostWithLease($"/runs/{lease.RunId}/events", CycleScenario.EventBody, lease.Token, 201);
            await raw.PostWithLease($"/runs/{lease.RunId}/transition", agent % 2 == 0 ? CycleScenario.SubmitBody : CycleScenario.RejectBody, lease.Token, 200);
            lat.Add("cycle", t);
            return true;
        }

        async Task<bool> Typed(int agent, Latencies lat)
        {
            var t = Stopwatch.GetTimestamp();
            if (await typed.ClaimAsync(claims[agent]) is not { } claim) return false;
            await typed.AppendEventAsync(claim.Run.Id, claim.LeaseToken, "progress", EventData);
            await typed.TransitionAsync(claim.Run.Id, claim.LeaseToken, new TransitionRequest(agent % 2 == 0 ? "submit" : "reject"));
            lat.Add("cycle", t);
            return true;
        }

        var warm = TimeSpan.FromSeconds(Math.Min(2, o.Seconds * 0.3));
        await Load.Run(o.Agents, warm, Raw);
        await Load.Run(o.Agents, warm, Typed);

        var rounds = o.Smoke ? 1 : 8;
        var slice = context.Phase / rounds;
        var results = new Dictionary<string, (long Loops, long Idle, TimeSpan Elapsed, TimeSpan Cpu, List<Latencies> Lat)>
        {
            ["raw"] = (0, 0, default, default, []), ["client"] = (0, 0, default, default, []),
        };
        for (var r = 0; r < rounds; r++)
        {
            foreach (var (name, body) in new[] { ("raw", (Func<int, Latencies, Task<bool>>)Raw), ("client", Typed) })
            {
                var cpu = server.Cpu();
                var run = await Load.Run(o.Agents, slice, body);
                var sum = results[name];
                sum.Lat.Add(run.Latencies);
                results[name] = (sum.Loops + run.Loops, sum.Idle + run.IdleLoops, sum.Elapsed + run.Elapsed, sum.Cpu + server.Cpu() - cpu, sum.Lat);
            }
        }

        var report = context.Report;
        double Rate(string name) => results[name].Loops / results[name].Elapsed.TotalSeconds;
        double CpuUs(string name) => results[name].Cpu.TotalMicroseconds / Math.Max(1, results[name].Loops + results[name].Idle);
        double P50(string name) => Latencies.Merge(results[name].Lat).Percentile("cycle", 50);
        report.Info("client", $"cycles/s raw HTTP / TaskLeaseClient ({o.Agents} agents)", $"{Report.Rate(Rate("raw"), "/s")} / {Report.Rate(Rate("client"), "/s")}");
        report.Info("client", "TaskLeaseClient ÷ raw: cycles/s", Report.Ratio(Rate("client") / Rate("raw")));
        report.Info("client", "server CPU per cycle raw / TaskLeaseClient", $"{CpuUs("raw"):#,0} / {CpuUs("client"):#,0} µs ({Report.Ratio(CpuUs("client") / CpuUs("raw"))})");
        report.Info("client", "cycle p50 raw / TaskLeaseClient", $"{Report.Ms(P50("raw"))} / {Report.Ms(P50("client"))}");
    }
}
