using TaskLeaseServer.Bench.Harness;
using static TaskLeaseServer.Bench.Scenarios.ClaimLoop;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// Idle SSE streams vs claims (issue 10, EXTENSIONS §6: "1,000 open streams do not slow claims"), on
/// one fresh server: plain claim p50 with no stream, with one, and with many idle streams (filtered
/// to a pipeline that has no events), in alternating rounds so the machine's drift and the growing
/// tables fall on every arm alike; the ratio is of the arms' medians. Memory is RSS growth per stream.
/// </summary>
public static class StreamsScenario
{
    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        var count = o.Smoke ? 50 : 1_000;
        var rounds = o.Smoke ? 1 : 5;
        await using var server = await context.OpenServer();
        var pipeline = await Wire.CreatePipeline(server.Typed, $"bench-streams-{context.RunId}", WakeDefinition);
        using var http = NewHttp(server.Url);

        await SeedBacklog(context, server, pipeline);
        await Latency(context, server); // warm-up, not counted
        var none = new List<(double P50, double Cpu)>();
        var one = new List<(double P50, double Cpu)>();
        var many = new List<(double P50, double Cpu)>();
        var perStream = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            await SeedBacklog(context, server, pipeline);
            none.Add(await Latency(context, server));

            // One stream first: any subscriber makes the node follow the event log (EventFeed), whatever the
            // number of streams; the step from one stream to many is what the streams themselves cost.
            var streams = new List<HttpResponseMessage> { await Open(http) };
            await SeedBacklog(context, server, pipeline);
            one.Add(await Latency(context, server));

            var before = Rss(server);
            while (streams.Count < count)
                streams.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(50, count - streams.Count)).Select(_ => Open(http))));
            if (before is { } b && Rss(server) is { } a) perStream.Add((a - b) / (double)(count - 1));
            await SeedBacklog(context, server, pipeline);
            many.Add(await Latency(context, server));
            foreach (var s in streams) s.Dispose();
        }

        var report = context.Report;
        double P50(List<(double P50, double Cpu)> arm) => Median(arm.Select(m => m.P50));
        double Cpu(List<(double P50, double Cpu)> arm) => Median(arm.Select(m => m.Cpu));
        string Each(List<(double P50, double Cpu)> arm) => string.Join(", ", arm.Select(m => Report.Ms(m.P50)));
        report.Info("streams", $"claim p50 per round ({rounds}): no stream / 1 stream / {count:#,0} idle streams",
            $"{Each(none)} / {Each(one)} / {Each(many)}");
        var ratio = P50(many) / P50(none);
        report.Check("streams", $"claim p50 with {count:#,0} open streams ÷ without (medians)", Report.Ratio(ratio), "≤ 1.10×", ratio <= 1.10);
        report.Info("streams", $"claim p50 with {count:#,0} streams ÷ with 1", Report.Ratio(P50(many) / P50(one)));
        report.Info("streams", $"server CPU per claim + finish (medians): no stream / 1 / {count:#,0}",
            $"{Cpu(none):#,0} / {Cpu(one):#,0} / {Cpu(many):#,0} µs");
        if (perStream.Count > 0) report.Info("streams", "server memory per open stream (RSS growth ÷ streams, median)", Bytes(Median(perStream)));
    }

    private static async Task<HttpResponseMessage> Open(HttpClient http)
    {
        var response = await http.GetAsync($"/events/stream?pipeline_id=idle-{Guid.NewGuid():N}", HttpCompletionOption.ResponseHeadersRead);
        if ((int)response.StatusCode != 200) throw new InvalidOperationException($"stream answered {(int)response.StatusCode}");
        return response;
    }
}
