using System.Diagnostics;
using System.Text.Json;
using TaskLeaseServer.Bench.Harness;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// "Filters use indexes" (EXTENSIONS §11): the first page of GET /tasks over a large table, filtered
/// and sorted, against the unfiltered first page. The table is seeded straight through the storage
/// seam (Creation.Tasks in large units, in this process, before the server starts on the same
/// database), since a million tasks over HTTP take minutes; the server then answers every page.
/// Tasks are spread over ten pipelines (each its own stage and role), ten priorities, 5 % paused,
/// 5 % waiting on a not-before time, 1 % with the word "needle" in the title, and one canceled and one
/// dead-lettered task per 5,000 (the rare statuses an operator looks for). The pages are
/// asked in alternating rounds, so noise on a shared machine falls on all alike.
/// </summary>
public static class FilterScenario
{
    public const double MaxRatio = 2.0;
    private const int Pipelines = 10;
    private const string Page = "/tasks?limit=50";

    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        var report = context.Report;
        if (o.Url is not null)
        {
            report.Info("filters", "filtered pages", "n/a (seeds through the storage seam: needs a server this run starts)");
            return;
        }
        var dir = Directory.CreateTempSubdirectory("tls-bench-filters-").FullName;
        try
        {
            var db = o.Engine == "postgresql" ? context.Cluster.NewDatabase() : Path.Combine(dir, "filters.db");
            var (pipelines, seeded) = await Seed(db, o.FilterTasks);
            report.Info("filters", $"seeding {o.FilterTasks:#,0} tasks through the storage seam ({SeamSeeder.Unit:#,0} per unit)",
                Report.Rate(seeded.PerSecond, "tasks/s"));

            var process = await ServerProcess.Start(o.ServerDll, db);
            await using var server = new ServerTarget(process.Url, process, o.ApiToken);
            context.Track(server.Client);
            var p = pipelines[3];
            var pages = new (string Name, string Path)[]
            {
                ("unfiltered", Page),
                ("status=ready, sort=priority", Page + "&status=ready&sort=priority"),
                ("status=paused (5 %)", Page + "&status=paused"),
                ("status=waiting,paused, sort=-created", Page + "&status=waiting,paused&sort=-created"),
                ("role (10 %), sort=-created", Page + $"&role=filter-role-3&sort=-created"),
                ("pipeline_id + stage (10 %), sort=priority", Page + $"&pipeline_id={p}&stage=stage-3&sort=priority"),
                ("priority_min=9 (10 %), sort=updated", Page + "&priority_min=9&sort=updated"),
                ("status=canceled (0.02 %)", Page + "&status=canceled"),
                ("status=dead_lettered (0.02 %), sort=-created", Page + "&status=dead_lettered&sort=-created"),
                ("q=needle (1 %)", Page + "&q=needle"),
                ("q=needle (1 %), sort=priority", Page + "&q=needle&sort=priority"),
            };
            var latencies = await Measure(server.Client, pages, o.Smoke ? 5 : 200);
            var baseline = latencies[0].Percentile("page", 50);
            report.Info("filters", $"unfiltered first page (50 of {o.FilterTasks:#,0}) p50", Report.Ms(baseline));
            foreach (var (lat, (name, _)) in latencies.Zip(pages).Skip(1))
            {
                var p50 = lat.Percentile("page", 50);
                var ratio = p50 / baseline;
                report.Check("filters", $"first page p50: {name} vs unfiltered ({Report.Ms(p50)} vs {Report.Ms(baseline)})",
                    Report.Ratio(ratio), $"≤ {MaxRatio:0.0}×", ratio <= MaxRatio);
            }
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { /* a temp dir left behind is harmless */ }
        }
    }

    /// <summary>Each page asked once per round, in order, after two warm-up rounds; one latency set per page.</summary>
    private static async Task<Latencies[]> Measure(BenchClient client, (string Name, string Path)[] pages, int rounds)
    {
        var sets = pages.Select(_ => new Latencies()).ToArray();
        for (var r = -2; r < rounds; r++)
        {
            for (var i = 0; i < pages.Length; i++)
            {
                var t = Stopwatch.GetTimestamp();
                var answer = await client.Get(pages[i].Path, 200);
                if (r >= 0) sets[i].Add("page", t);
                if (r == 0 && answer.Status == 200) RequireItems(pages[i], answer);
            }
        }
        return sets.Select(s => Latencies.Merge([s])).ToArray();
    }

    /// <summary>An empty page would be fast for the wrong reason: each filter must match.</summary>
    private static void RequireItems((string Name, string Path) page, Answer answer)
    {
        using var doc = JsonDocument.Parse(answer.Body);
        if (doc.RootElement.GetProperty("items").GetArrayLength() == 0)
            throw new InvalidOperationException($"the page \"{page.Name}\" ({page.Path}) matched no task");
    }

    /// <summary>The pipelines and the tasks, written by the server's own storage composition on <paramref name="db"/>.</summary>
    private static async Task<(List<string> Pipelines, SeedResult Seeded)> Seed(string db, int count)
    {
        await using var seeder = await SeamSeeder.Open(db);
        var pipelines = new List<string>();
        for (var k = 0; k < Pipelines; k++) pipelines.Add(await seeder.Pipeline($"bench-filters-{k}", $"stage-{k}", $"filter-role-{k}"));
        var dead = await seeder.Pipeline("bench-filters-doomed", "doomed", "filter-doomed");

        var later = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds();
        var seeded = await seeder.Tasks(count, i => new NewTask(
                pipelines[i % Pipelines], i % 100 == 7 ? $"needle task {i}" : $"bench task {i}",
                "seeded by the filter benchmark", Priority: i / Pipelines % 10, "{}", null, 0, null, [], null, null,
                NotBeforeMs: i % 20 == 1 ? later : 0, Paused: i % 20 == 0),
            // The rare statuses an operator hunts for: one canceled and one dead-lettered task per unit.
            async ids =>
            {
                await seeder.Cancel(ids[^1]);
                await seeder.Fail(await seeder.CreateAndClaim(
                    new NewTask(dead, "doomed task", "fails once", 0, "{}", 1, 0, null, [], null, null), "filter-doomed", "doomed-agent", 60_000));
            });
        return (pipelines, seeded);
    }
}
