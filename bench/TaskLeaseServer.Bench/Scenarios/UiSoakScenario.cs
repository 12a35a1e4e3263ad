using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using TaskLeaseServer.Bench.Harness;
using TaskLeaseServer.Testing;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// "A page with live updates open for an hour does not grow the server's memory or hold a database
/// connection": K dashboard pages (overview, attention and a run page, in turn) kept live as ui.js
/// keeps them (<see cref="LivePage"/>), beside a light background load (create, claim, event, then
/// transition or fail, a few per second, and one long run that heartbeats and logs an event every few
/// seconds for the run pages). Every sample interval it reads the server's resident set (/proc), its GC
/// heap at the last collection (the About page's data attribute) and the database connections open:
/// SQLite, the server's file descriptors on the database file (one per open connection, pooled or
/// not); PostgreSQL, pg_stat_activity rows of the server's database (and how many are busy).
/// </summary>
public static partial class UiSoakScenario
{
    /// <summary>Growth of the fitted line over the whole run, as a share of the first warm sample.</summary>
    public const double MaxGrowth = 0.10;

    private const string Definition = """
        {"initial":"todo","states":{"todo":{"agent_role":"soak"},"done":{"terminal":true}},
         "transitions":[{"from":"todo","to":"done","trigger":"finish"}]}
        """;

    private const string WatchDefinition = """
        {"initial":"watch","states":{"watch":{"agent_role":"soak-watch"},"done":{"terminal":true}},
         "transitions":[{"from":"watch","to":"done","trigger":"finish"}]}
        """;

    private sealed record Sample(double Minutes, long RssBytes, long HeapBytes, int Connections, int Busy, int Streams, bool Quiet = false);

    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        var report = context.Report;
        if (o.Url is not null)
        {
            report.Info("ui-soak", "live pages", "n/a (reads the server's /proc and database: needs a server this run starts)");
            return;
        }
        var duration = TimeSpan.FromMinutes(o.SoakMinutes);
        var every = TimeSpan.FromSeconds(Math.Clamp(duration.TotalSeconds / 10, 2, 60));
        var dir = Directory.CreateTempSubdirectory("tls-bench-soak-").FullName;
        try
        {
            var db = o.Engine == "postgresql" ? context.Cluster.NewDatabase() : Path.Combine(dir, "soak.db");
            var process = await ServerProcess.Start(o.ServerDll, db);
            await using var server = new ServerTarget(process.Url, process, o.ApiToken);
            var client = server.Client;
            context.Track(client);
            Func<(int Open, int Busy)> connections = o.Engine == "postgresql"
                ? PostgresConnections(db)
                : () => (SqliteConnections(process.Pid, db), -1);

            var pipeline = await Wire.CreatePipeline(server.Typed, $"bench-soak-{context.RunId}", Definition);
            using var stopLoad = new CancellationTokenSource();
            var watched = await WatchedRun(client, await Wire.CreatePipeline(server.Typed, $"bench-soak-watch-{context.RunId}", WatchDefinition));
            var load = Task.Run(() => Background(client, pipeline, watched, stopLoad.Token));

            var samples = new List<Sample>();
            var clock = Stopwatch.StartNew();
            async Task<Sample> Take(IReadOnlyList<LivePage> pages)
            {
                var about = (await client.Get("/ui/about", 200)).Text;
                var (open, busy) = connections();
                return new Sample(clock.Elapsed.TotalMinutes, process.CurrentRssBytes() ?? 0, Heap(about), open, busy,
                    pages.Count(p => p.Connected));
            }

            // Before any page is open: what the load alone keeps open.
            await Task.Delay(every);
            var before = await Take([]);
            report.Info("ui-soak", "before the pages: database connections open (busy)", Connections(before));

            using var streams = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = int.MaxValue })
            {
                BaseAddress = process.Url, Timeout = Timeout.InfiniteTimeSpan,
            };
            var paths = new[] { "/ui", "/ui/attention", $"/ui/runs/{watched.RunId}" };
            var pages = new List<LivePage>();
            for (var i = 0; i < o.UiPages; i++) pages.Add(await LivePage.Open(client, streams, paths[i % paths.Length]));
            clock.Restart();
            // The last stretch is quiet (the load stops, the pages stay open and streaming): idle pooled
            // connections are then closed by their pools (SQLite within about 4 min, Npgsql after 5 min
            // idle), so what is left open at the end is what the open pages hold.
            var quiet = TimeSpan.FromMinutes(Math.Min(8, o.SoakMinutes * 0.15));
            var loads = 0L;
            while (clock.Elapsed < duration)
            {
                await Task.Delay(every);
                if (!stopLoad.IsCancellationRequested && clock.Elapsed >= duration - quiet)
                {
                    await stopLoad.CancelAsync();
                    loads = await load;
                    Console.Error.WriteLine($"  ui-soak: {clock.Elapsed.TotalMinutes:0.0} min: the load stops; the pages stay open");
                }
                var s = await Take(pages) with { Quiet = stopLoad.IsCancellationRequested };
                samples.Add(s);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  ui-soak: {s.Minutes:0.0} min: rss {Report.Mb(s.RssBytes)}, gc heap {Report.Mb(s.HeapBytes)}, db connections {Connections(s)}, streams {s.Streams}/{pages.Count}, events {pages.Sum(p => p.Events)}, re-reads {pages.Sum(p => p.Refreshes)}, reconnects {pages.Sum(p => p.Reconnects)}"));
            }
            var events = pages.Sum(p => p.Events);
            var refreshes = pages.Sum(p => p.Refreshes);
            var reconnects = pages.Sum(p => p.Reconnects);
            foreach (var page in pages) await page.DisposeAsync();
            if (!stopLoad.IsCancellationRequested)
            {
                await stopLoad.CancelAsync();
                loads = await load;
            }

            report.Info("ui-soak", $"{o.UiPages} live pages for {o.SoakMinutes:0.#} min, the last {quiet.TotalMinutes:0.#} min without load",
                $"{events:#,0} events streamed, {refreshes:#,0} page re-reads, {reconnects} reconnects; background {loads:#,0} task cycles");
            // Memory is judged under load: the first sample is the warm start (the pages' first re-reads
            // and the runtime's tiering are behind it), the last is the last one before the quiet stretch.
            var loaded = samples.Where(x => !x.Quiet).ToList();
            var warm = loaded[0];
            var last = loaded[^1];
            Growth(report, "resident set", loaded, s => s.RssBytes, warm.RssBytes, last.RssBytes, duration);
            Growth(report, "GC heap (at the last collection)", loaded, s => s.HeapBytes, warm.HeapBytes, last.HeapBytes, duration);
            var most = loaded.MaxBy(s => s.Connections)!;
            var end = samples[^1];
            report.Info("ui-soak", "database connections open under load: most (busy then)", $"{Connections(most)} at {most.Minutes:0} min; before the pages {Connections(before)}");
            report.Check("ui-soak", $"database connections open at the end of the quiet stretch, pages open (before the pages, under load: {Connections(before)})",
                Connections(end), $"≤ {before.Connections + 2}, none busy (none held per page)",
                end.Connections <= before.Connections + 2 && end.Busy <= 0);
            report.Info("ui-soak", "memory at the end of the quiet stretch", $"rss {Report.Mb(end.RssBytes)}, GC heap {Report.Mb(end.HeapBytes)}");
            report.Check("ui-soak", "streams connected at the last sample", $"{end.Streams}/{o.UiPages}", "all", end.Streams == o.UiPages);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { /* a temp dir left behind is harmless */ }
        }
    }

    private static string Connections(Sample s) => s.Busy < 0 ? $"{s.Connections}" : $"{s.Connections} ({s.Busy} busy)";

    /// <summary>
    /// Start vs end, and least-squares slopes over the whole run and over its second half; the target
    /// is on the second half's (warm-up, pool and cache filling, is behind it; a leak is not), as growth
    /// over the run's length.
    /// </summary>
    private static void Growth(Report report, string name, List<Sample> samples, Func<Sample, long> value, long start, long end, TimeSpan duration)
    {
        var whole = Slope(samples.Select(s => (s.Minutes, (double)value(s))).ToList()); // bytes per minute
        var late = Slope(samples.Skip(samples.Count / 2).Select(s => (s.Minutes, (double)value(s))).ToList());
        var growth = late * duration.TotalMinutes / start;
        report.Check("ui-soak", $"{name}: {Report.Mb(start)} at the first sample, {Report.Mb(end)} at the last; slope {PerHour(whole)} (whole run), {PerHour(late)} (second half)",
            (growth * 100).ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + " % over the run at the second half's slope",
            $"≤ +{MaxGrowth * 100:0} %", growth <= MaxGrowth);
    }

    private static string PerHour(double bytesPerMinute) =>
        (bytesPerMinute * 60 / 1048576).ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + " MB/h";

    private static double Slope(List<(double X, double Y)> points)
    {
        if (points.Count < 2) return 0;
        var mx = points.Average(p => p.X);
        var my = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        return sxx == 0 ? 0 : points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
    }

    [GeneratedRegex("data-gc-heap-bytes=\"(\\d+)\"")]
    private static partial Regex HeapAttribute();

    private static long Heap(string about) =>
        HeapAttribute().Match(about) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    /// <summary>Each open SQLite connection holds one descriptor on the database file itself (-wal and -shm are apart).</summary>
    private static int SqliteConnections(int pid, string dbPath)
    {
        var full = Path.GetFullPath(dbPath);
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget == full) count++;
            }
            catch (IOException) { /* closed meanwhile */ }
        }
        return count;
    }

    /// <summary>The server's sessions on its database, and how many are in a query or a transaction right now.</summary>
    private static Func<(int, int)> PostgresConnections(string url)
    {
        var name = new Uri(url).AbsolutePath.Trim('/');
        var admin = new Uri(url).GetLeftPart(UriPartial.Authority) + "/postgres";
        return () =>
        {
            using var db = OwnCluster.Connect(admin);
            using var command = new NpgsqlCommand(
                "SELECT count(*), count(*) FILTER (WHERE state <> 'idle') FROM pg_stat_activity WHERE datname = $1", db);
            command.Parameters.AddWithValue(name);
            using var reader = command.ExecuteReader();
            reader.Read();
            return ((int)reader.GetInt64(0), (int)reader.GetInt64(1));
        };
    }

    private static readonly byte[] EventBody = Wire.Utf8("""{"kind":"progress","data":{"step":1,"note":"soaking"}}""");
    private static readonly byte[] FinishBody = Wire.Utf8("""{"trigger":"finish"}""");
    private static readonly byte[] FailBody = Wire.Utf8("""{"error":"soak failure"}""");

    /// <summary>A run that stays leased the whole time (a 2 h lease, heartbeats under load), for the run pages to follow.</summary>
    private static async Task<Claimed> WatchedRun(BenchClient client, string pipeline)
    {
        var body = Wire.Utf8($$"""{"pipeline_id":"{{pipeline}}","title":"watched run","description":"followed by the run pages"}""");
        await client.Post("/tasks", body, 201);
        return Wire.ParseClaim(await client.Post("/leases/claim",
                Wire.Utf8("""{"agent_id":"soak-watcher","agent_role":"soak-watch","lease_ttl_ms":7200000}"""), 200))
            ?? throw new InvalidOperationException("the watched task was not claimed");
    }

    /// <summary>A few task cycles a second (one in ten fails, with two attempts allowed, so the attention lanes fill), and the watched run's events and heartbeats.</summary>
    private static async Task<long> Background(BenchClient client, string pipeline, Claimed watched, CancellationToken stop)
    {
        var create = Wire.Utf8($$$"""{"pipeline_id":"{{{pipeline}}}","title":"soak task","description":"background load","retry_policy":{"max_attempts":2}}""");
        var claim = Wire.ClaimBody("soak-agent", "soak");
        var loops = 0L;
        var beat = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            await client.Post("/tasks", create, 201);
            if (Wire.ParseClaim(await client.Post("/leases/claim", claim, 200, 204)) is { } lease)
            {
                await client.PostWithLease($"/runs/{lease.RunId}/events", EventBody, lease.Token, 201);
                if (loops % 10 == 9) await client.PostWithLease($"/runs/{lease.RunId}/fail", FailBody, lease.Token, 200);
                else await client.PostWithLease($"/runs/{lease.RunId}/transition", FinishBody, lease.Token, 200);
            }
            if (loops % 10 == 0) await client.PostWithLease($"/runs/{watched.RunId}/events", EventBody, watched.Token, 201);
            if (beat.Elapsed > TimeSpan.FromMinutes(1))
            {
                await client.PostWithLease($"/leases/{watched.LeaseId}/heartbeat", Wire.Utf8("{}"), watched.Token, 200);
                beat.Restart();
            }
            loops++;
            try { await Task.Delay(250, stop); }
            catch (OperationCanceledException) { break; }
        }
        return loops;
    }
}
