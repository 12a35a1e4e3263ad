using System.Diagnostics;
using TaskLeaseServer.Bench.Harness;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>How a seeding went: tasks created and how long it took.</summary>
public sealed record SeedResult(long Tasks, TimeSpan Elapsed)
{
    public double PerSecond => Tasks / Elapsed.TotalSeconds;
}

/// <summary>Creates tasks over HTTP through /tasks/bulk, several requests in flight at once.</summary>
public static class Seeder
{
    /// <summary>250 tasks of ~110 bytes each keep a request at ~28 KB, under the 64 KiB body limit.</summary>
    public const int BatchSize = 250;

    public static async Task<SeedResult> Seed(BenchClient client, string pipelineId, long count, int clients,
        long priority = 0, string? dependsOn = null, TimeSpan? timeLimit = null)
    {
        var full = Wire.BulkBody(pipelineId, BatchSize, priority, dependsOn);
        var batches = (count + BatchSize - 1) / BatchSize;
        var next = -1L;
        var created = 0L;
        var limit = timeLimit ?? TimeSpan.MaxValue;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            long batch;
            while ((batch = Interlocked.Increment(ref next)) < batches && clock.Elapsed < limit)
            {
                var size = (int)Math.Min(BatchSize, count - batch * BatchSize);
                var body = size == BatchSize ? full : Wire.BulkBody(pipelineId, size, priority, dependsOn);
                var answer = await client.Post("/tasks/bulk", body, 201);
                if (answer.Status == 201) Interlocked.Add(ref created, size);
            }
        })));
        return new SeedResult(created, clock.Elapsed);
    }
}
