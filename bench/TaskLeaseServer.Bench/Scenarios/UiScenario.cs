using System.Diagnostics;
using System.Text.RegularExpressions;
using TaskLeaseServer.Bench.Harness;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// "Every page stays fast with 1,000,000 tasks": every /ui page, and the tasks page behind each
/// filter link the pages render, over a large table, against GET /health and the unfiltered tasks
/// page of the same run. Seeded through the storage seam (<see cref="SeamSeeder"/>): ten pipelines
/// (a stage and a role each), ten priorities, 5 % paused, 5 % waiting on a not-before time; and per
/// unit of 5,000 one canceled task, one dead-lettered, five retrying (a failed run, waiting out a
/// day's retry delay), ten blocked on an unfinished upstream task, and five leased (a 2 h lease held
/// by one of 20 agents; one in five started 10 min ago, so stuck). Pages are asked in alternating
/// rounds, so noise on a shared machine falls on all alike.
/// </summary>
public static partial class UiScenario
{
    public const double MaxRatio = 2.0;
    private const int Pipelines = 10;

    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        var report = context.Report;
        if (o.Url is not null)
        {
            report.Info("ui", "pages", "n/a (seeds through the storage seam: needs a server this run starts)");
            return;
        }
        var dir = Directory.CreateTempSubdirectory("tls-bench-ui-").FullName;
        try
        {
            var db = o.Engine == "postgresql" ? context.Cluster.NewDatabase() : Path.Combine(dir, "ui.db");
            var seed = await Seed(db, o.UiTasks);
            report.Info("ui", $"seeding {o.UiTasks:#,0} tasks and their rare shapes through the storage seam", Report.Rate(seed.Seeded.PerSecond, "tasks/s"));

            var process = await ServerProcess.Start(o.ServerDll, db);
            await using var server = new ServerTarget(process.Url, process, o.ApiToken);
            context.Track(server.Client);
            var client = server.Client;
            for (var i = 0; i < 5; i++)
                await client.PostWithLease($"/runs/{seed.Run.RunId}/events", Wire.Utf8("""{"kind":"progress","data":{"step":1}}"""), seed.Run.Token, 201);

            var pages = new List<(string Name, string Path)>
            {
                ("GET /health", "/health"),
                ("tasks page, unfiltered", "/ui/tasks"),
                ("overview", "/ui"),
                ("attention", "/ui/attention"),
            };
            // Every /ui/tasks link the overview, attention, roles and pipelines pages render.
            var links = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var from in new[] { "/ui", "/ui/attention", "/ui/roles", "/ui/pipelines/" + seed.Pipeline })
            {
                foreach (Match m in TasksLink().Matches((await client.Get(from, 200)).Text))
                    links.Add(System.Net.WebUtility.HtmlDecode(m.Groups[1].Value));
            }
            // Of the many role and stage links, two of each kind (they are all one statement).
            var kept = links.GroupBy(l => Regex.Replace(l, "[0-9a-f]{8,}|-\\d+", "")).SelectMany(g => g.Take(1)).ToList();
            pages.AddRange(kept.Select(l => ("tasks " + l["/ui/tasks".Length..], l)));
            pages.AddRange([
                ("tasks ?status=leased", "/ui/tasks?status=leased"),
                ("tasks ?sort=priority", "/ui/tasks?sort=priority"),
                ("tasks ?sort=-created", "/ui/tasks?sort=-created"),
                ("tasks ?sort=updated", "/ui/tasks?sort=updated"),
                ("task", "/ui/tasks/" + seed.Run.TaskId),
                ("run", "/ui/runs/" + seed.Run.RunId),
                ("pipelines", "/ui/pipelines"),
                ("pipeline", "/ui/pipelines/" + seed.Pipeline),
                ("roles", "/ui/roles"),
                ("agents", "/ui/agents"),
                ("agent", "/ui/agents?agent=ui-agent-3"),
                ("store", "/ui/store"),
                ("keys", "/ui/keys"),
                ("about", "/ui/about"),
            ]);

            var latencies = await Measure(client, pages, o.Smoke ? 3 : o.UiRounds);
            var health = latencies[0].Percentile("page", 50);
            var tasks = latencies[1].Percentile("page", 50);
            report.Info("ui", $"GET /health p50 ({o.UiTasks:#,0} tasks)", Report.Ms(health));
            report.Info("ui", "tasks page, unfiltered, p50", Report.Ms(tasks));
            foreach (var (lat, (name, path)) in latencies.Zip(pages).Skip(2))
            {
                var p50 = lat.Percentile("page", 50);
                var ratio = p50 / tasks;
                report.Check("ui", $"{name} p50 {Report.Ms(p50)} (p95 {Report.Ms(lat.Percentile("page", 95))}) vs unfiltered tasks page; vs /health {Report.Ratio(p50 / health)}",
                    Report.Ratio(ratio), $"≤ {MaxRatio:0.0}×", ratio <= MaxRatio);
            }
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { /* a temp dir left behind is harmless */ }
        }
    }

    [GeneratedRegex("href=\"(/ui/tasks\\?[^\"]+)\"")]
    private static partial Regex TasksLink();

    /// <summary>Each page asked once per round, in order, after one warm-up round; one latency set per page.</summary>
    private static async Task<Latencies[]> Measure(BenchClient client, List<(string Name, string Path)> pages, int rounds)
    {
        var sets = pages.Select(_ => new Latencies()).ToArray();
        for (var r = -1; r < rounds; r++)
        {
            for (var i = 0; i < pages.Count; i++)
            {
                var t = Stopwatch.GetTimestamp();
                await client.Get(pages[i].Path, 200);
                if (r >= 0) sets[i].Add("page", t);
            }
        }
        return sets.Select(s => Latencies.Merge([s])).ToArray();
    }

    private sealed record Seeding(SeedResult Seeded, string Pipeline, Claimed Run);

    private static async Task<Seeding> Seed(string db, int count)
    {
        await using var seeder = await SeamSeeder.Open(db);
        var pipelines = new List<string>();
        for (var k = 0; k < Pipelines; k++) pipelines.Add(await seeder.Pipeline($"bench-ui-{k}", $"stage-{k}", $"ui-role-{k}"));
        var doomed = await seeder.Pipeline("bench-ui-doomed", "doomed", "ui-doomed");
        var retrying = await seeder.Pipeline("bench-ui-retrying", "flaky", "ui-retrying");
        var leased = await seeder.Pipeline("bench-ui-leased", "working", "ui-leased");

        NewTask Task(string pipeline, string title, long? maxAttempts = null, long retryDelayMs = 0, IReadOnlyList<string>? deps = null) =>
            new(pipeline, title, "seeded by the ui benchmark", 0, "{}", maxAttempts, retryDelayMs, null, deps ?? [], null, null);

        var later = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds();
        var units = 0;
        ClaimResult? watched = null;
        var seeded = await seeder.Tasks(count, i => new NewTask(
                pipelines[i % Pipelines], $"ui task {i}", "seeded by the ui benchmark", Priority: i / Pipelines % 10, "{}", 3, 0, null, [], null, null,
                NotBeforeMs: i % 20 == 1 ? later : 0, Paused: i % 20 == 0),
            async ids =>
            {
                await seeder.Cancel(ids[^1]);
                await seeder.Fail(await seeder.CreateAndClaim(Task(doomed, "doomed task", maxAttempts: 1), "ui-doomed", "ui-agent-doomed", 60_000));
                for (var k = 0; k < 5; k++)
                    await seeder.Fail(await seeder.CreateAndClaim(Task(retrying, "flaky task", 3, 86_400_000), "ui-retrying", $"ui-agent-{k}", 60_000));
                await seeder.Writer.Run(u => Creation.Tasks(u,
                    Enumerable.Range(0, 10).Select(_ => Task(pipelines[units % Pipelines], "blocked task", deps: [ids[2]])).ToList()));
                for (var k = 0; k < 5; k++)
                {
                    seeder.Clock.Offset = k == 0 ? TimeSpan.FromMinutes(-10) : TimeSpan.Zero;
                    var claim = await seeder.CreateAndClaim(Task(leased, "long task"), "ui-leased", $"ui-agent-{(units * 5 + k) % 20}", 7_200_000);
                    watched ??= claim;
                }
                seeder.Clock.Offset = TimeSpan.Zero;
                units++;
            });
        var run = new Claimed(watched!.Task.Id, watched.Run.Id, watched.LeaseId, watched.LeaseToken);
        return new Seeding(seeded, pipelines[3], run);
    }
}
