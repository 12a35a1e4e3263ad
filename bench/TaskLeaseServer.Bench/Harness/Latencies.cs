using System.Diagnostics;

namespace TaskLeaseServer.Bench.Harness;

/// <summary>Request latencies by kind ("claim", "event", ...), in milliseconds. One per agent, merged afterwards.</summary>
public sealed class Latencies
{
    private readonly Dictionary<string, List<double>> _samples = new(StringComparer.Ordinal);

    public void Add(string kind, long startTimestamp)
    {
        var ms = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        if (!_samples.TryGetValue(kind, out var list)) _samples[kind] = list = new List<double>(4096);
        list.Add(ms);
    }

    public int Count(string kind) => _samples.TryGetValue(kind, out var list) ? list.Count : 0;

    public static Latencies Merge(IEnumerable<Latencies> parts)
    {
        var all = new Latencies();
        foreach (var part in parts)
        {
            foreach (var (kind, list) in part._samples)
            {
                if (!all._samples.TryGetValue(kind, out var into)) all._samples[kind] = into = new List<double>(list.Count);
                into.AddRange(list);
            }
        }
        foreach (var list in all._samples.Values) list.Sort();
        return all;
    }

    /// <summary>Nearest-rank percentile of a merged (sorted) set; NaN when there are no samples.</summary>
    public double Percentile(string kind, double p)
    {
        if (!_samples.TryGetValue(kind, out var sorted) || sorted.Count == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}
