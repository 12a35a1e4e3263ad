using System.Diagnostics;
using System.Globalization;
using TaskLeaseServer.Bench.Harness;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// What the wake and streams scenarios share: sequential plain claims (each then finished) from a
/// backlog seeded beforehand, as p50 latency and server CPU per claim + finish, and their small helpers.
/// </summary>
internal static class ClaimLoop
{
    /// <summary>The pipeline the claims take from: one stage of role "wake".</summary>
    public const string WakeDefinition = """
        {"initial":"todo","states":{"todo":{"agent_role":"wake"},"done":{"terminal":true}},
         "transitions":[{"from":"todo","to":"done","trigger":"finish"}]}
        """;
    private static readonly byte[] FinishBody = Wire.Utf8("""{"trigger":"finish"}""");
    private static readonly byte[] Plain = Wire.Utf8("""{"agent_id":"plain","agent_role":"wake"}""");

    /// <summary>Claims and finishes from the backlog for one phase (after a warm-up); p50 ms and server µs per claim + finish.</summary>
    public static async Task<(double P50, double CpuUs)> Latency(BenchContext context, ServerTarget server)
    {
        var client = server.Client;
        var samples = new List<double>();
        var clock = Stopwatch.StartNew();
        var warm = TimeSpan.FromSeconds(context.Options.Smoke ? 0.2 : 1);
        TimeSpan? cpuFrom = null;
        while (clock.Elapsed < context.Phase + warm)
        {
            if (cpuFrom is null && clock.Elapsed > warm) cpuFrom = server.Cpu();
            var t = Stopwatch.GetTimestamp();
            var answer = await client.Post("/leases/claim", Plain, 200, 204);
            if (answer.Status != 200) break;
            if (cpuFrom is not null) samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            await Finish(client, answer);
        }
        var cpu = server.Cpu() - (cpuFrom ?? server.Cpu());
        samples.Sort();
        return (P(samples, 50), samples.Count == 0 ? double.NaN : cpu.TotalMicroseconds / samples.Count);
    }

    /// <summary>A backlog for one <see cref="Latency"/> phase (what a phase leaves stays for the next).</summary>
    public static Task SeedBacklog(BenchContext context, ServerTarget server, string pipeline) =>
        Seeder.Seed(server.Client, pipeline, context.Options.Smoke ? 300 : 5_000, context.Options.BulkClients);

    public static async Task Finish(BenchClient client, Answer claim)
    {
        if (Wire.ParseClaim(claim) is { } lease)
            await client.PostWithLease($"/runs/{lease.RunId}/transition", FinishBody, lease.Token, 200);
    }

    public static HttpClient NewHttp(Uri url) => new(new SocketsHttpHandler
    {
        UseProxy = false, MaxConnectionsPerServer = int.MaxValue, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    })
    { BaseAddress = url, Timeout = TimeSpan.FromSeconds(120) };

    public static long? Rss(ServerTarget server) => server.Process?.CurrentRssBytes();

    public static double P(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return P(sorted, 50);
    }

    public static string Bytes(double bytes) => (bytes / 1024).ToString("0.0", CultureInfo.InvariantCulture) + " KB";
}
