using System.Diagnostics;

namespace TaskLeaseServer.Bench.Harness;

/// <summary>What a timed phase produced: loops that did their work, how long it took, and the latencies.</summary>
public sealed record LoadResult(long Loops, long IdleLoops, TimeSpan Elapsed, Latencies Latencies)
{
    public double PerSecond => Loops / Elapsed.TotalSeconds;
}

/// <summary>
/// Runs N concurrent agents, each looping its body until the phase's time is up (and never more than
/// a fixed number of loops, so a broken server that answers instantly cannot spin forever).
/// </summary>
public static class Load
{
    public const long MaxLoopsPerAgent = 10_000_000;

    /// <param name="body">one loop of agent i; returns false when it found no work (counted as idle)</param>
    public static async Task<LoadResult> Run(int agents, TimeSpan duration, Func<int, Latencies, Task<bool>> body)
    {
        var latencies = new Latencies[agents];
        var loops = new long[agents];
        var idle = new long[agents];
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, agents).Select(i => Task.Run(async () =>
        {
            var mine = latencies[i] = new Latencies();
            for (long n = 0; n < MaxLoopsPerAgent && clock.Elapsed < duration; n++)
            {
                if (await body(i, mine)) loops[i]++;
                else idle[i]++;
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;
        return new LoadResult(loops.Sum(), idle.Sum(), elapsed, Latencies.Merge(latencies));
    }
}
