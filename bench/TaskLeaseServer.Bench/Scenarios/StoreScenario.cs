using System.Diagnostics;
using System.Text;
using TaskLeaseServer.Bench.Harness;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// Full-text search latency over the store with a small and a large number of entries. Entries are
/// PUT over HTTP (20 words each from a 2,000-word vocabulary); the measured query is selective — its
/// term is in exactly 10 entries whatever the size — so the figure is the index's cost, not the cost
/// of ranking more hits. A broad query (a term in ~1% of entries, limit 10) is reported beside it.
/// Like the backlog, the two sizes live in two servers searched in alternating rounds.
/// </summary>
public static class StoreScenario
{
    public const double MaxRatio = 3.0;
    private const int Vocabulary = 2_000;
    private const int Needles = 10;
    private const int Writers = 8;
    private const int Searchers = 4;

    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        await using var small = await context.OpenServer();
        await using var large = o.Url is null ? await context.OpenServer() : null;
        var ns = $"bench-{context.RunId}";
        var report = context.Report;

        await Fill(small, $"{ns}-small", o.SmallStore);
        if (large is null)
        {
            // One server (--url): search the small set first, then grow it.
            var alone = await Search(small, $"{ns}-small", context.Phase);
            var put = await Fill(small, $"{ns}-small", o.LargeStore, from: o.SmallStore);
            report.Info("store", $"PUT /store entries/s ({Writers} clients)", Report.Rate(put, "/s"));
            Compare(context, alone, await Search(small, $"{ns}-small", context.Phase));
            return;
        }

        var rate = await Fill(large, $"{ns}-large", o.LargeStore);
        report.Info("store", $"PUT /store entries/s ({Writers} clients)", Report.Rate(rate, "/s"));

        await Search(small, $"{ns}-small", TimeSpan.FromSeconds(Math.Min(1, o.Seconds * 0.2)));   // warm-up
        await Search(large, $"{ns}-large", TimeSpan.FromSeconds(Math.Min(1, o.Seconds * 0.2)));
        var rounds = o.Smoke ? 1 : 4;
        var smalls = new List<Latencies>();
        var larges = new List<Latencies>();
        for (var r = 0; r < rounds; r++)
        {
            smalls.Add(await Search(small, $"{ns}-small", context.Phase / rounds));
            larges.Add(await Search(large, $"{ns}-large", context.Phase / rounds));
        }
        Compare(context, Latencies.Merge(smalls), Latencies.Merge(larges));
    }

    /// <summary>PUTs entries [from, count) into the namespace; returns entries per second.</summary>
    private static async Task<double> Fill(ServerTarget server, string ns, int count, int from = 0)
    {
        var next = from - 1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
                await server.Client.Put($"/store/{ns}/note-{i}", Entry(i), 204);
        })));
        return (count - from) / clock.Elapsed.TotalSeconds;
    }

    private static byte[] Entry(int i)
    {
        var random = new Random(i);
        var words = new StringBuilder();
        for (var w = 0; w < 20; w++) words.Append(" w").Append(random.Next(Vocabulary));
        if (i < Needles) words.Append(" needle");
        return Wire.Utf8($$$"""{"value":{"title":"note {{{i}}}","text":"{{{words.ToString().Trim()}}}","n":{{{i}}}}}""");
    }

    /// <summary>
    /// Selective searches for the phase, then broad ones for a fifth of it. Never both at once: a broad
    /// search ranks every hit, and searchers waiting for the CPU behind it would make the selective
    /// figure measure the broad one.
    /// </summary>
    private static async Task<Latencies> Search(ServerTarget server, string ns, TimeSpan duration)
    {
        var selective = await Load.Run(Searchers, duration, async (agent, lat) =>
        {
            var t = Stopwatch.GetTimestamp();
            await server.Client.Get($"/store/search?q=needle&namespace={ns}&limit=10", 200);
            lat.Add("selective", t);
            return true;
        });
        // w7 is in ~1% of entries: 10 hits per 1,000, so ranking work grows with the size.
        var broad = await Load.Run(Searchers, duration / 5, async (agent, lat) =>
        {
            var t = Stopwatch.GetTimestamp();
            await server.Client.Get($"/store/search?q=w7&namespace={ns}&limit=10", 200);
            lat.Add("broad", t);
            return true;
        });
        return Latencies.Merge([selective.Latencies, broad.Latencies]);
    }

    private static void Compare(BenchContext context, Latencies small, Latencies large)
    {
        var o = context.Options;
        foreach (var p in new[] { 50, 99 })
        {
            var s = small.Percentile("selective", p);
            var l = large.Percentile("selective", p);
            context.Report.Check("store", $"search p{p} (10 hits): {o.LargeStore:#,0} vs {o.SmallStore:#,0} entries ({Report.Ms(l)} vs {Report.Ms(s)})",
                Report.Ratio(l / s), $"≤ {MaxRatio:0.00}×", l / s <= MaxRatio);
        }
        var bs = small.Percentile("broad", 50);
        var bl = large.Percentile("broad", 50);
        context.Report.Info("store", $"search p50, term in ~1% of entries: {o.LargeStore:#,0} vs {o.SmallStore:#,0} ({Report.Ms(bl)} vs {Report.Ms(bs)})", Report.Ratio(bl / bs));
    }
}
