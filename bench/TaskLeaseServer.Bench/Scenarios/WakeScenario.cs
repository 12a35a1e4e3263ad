using System.Diagnostics;
using System.Text;
using TaskLeaseServer.Bench.Harness;
using TaskLeaseServer.Client;
using static TaskLeaseServer.Bench.Scenarios.ClaimLoop;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// Long-poll claims (issue 10, EXTENSIONS §2), on one fresh server (open streams: <see cref="StreamsScenario"/>):
/// 1. wake-up latency, from a create's answer to the waiting claim's answer, next to a plain claim's
///    latency measured in the same loop (each iteration does one of each);
/// 2. plain claim latency with many idle waiters on other roles vs none, and server memory per waiter;
/// 3. 16 agents taking work as a producer trickles it in: wait_ms vs a 50 ms sleep between polls,
///    claims/s and wasted (204) answers.
/// </summary>
public static class WakeScenario
{
    /// <summary>The roles the idle waiters wait for: stages of a pipeline of their own, so GET /ops/roles counts them.</summary>
    private const int IdleRoles = 100;

    private static string IdleDefinition() =>
        "{\"initial\":\"s0\",\"states\":{" + string.Join(",", Enumerable.Range(0, IdleRoles).Select(i => $"\"s{i}\":{{\"agent_role\":\"idle-role-{i}\"}}")) +
        ",\"done\":{\"terminal\":true}},\"transitions\":[" +
        string.Join(",", Enumerable.Range(0, IdleRoles).Select(i => $"{{\"from\":\"s{i}\",\"to\":\"done\",\"trigger\":\"finish\"}}")) + "]}";

    public static async Task Run(BenchContext context)
    {
        var o = context.Options;
        await using var server = await context.OpenServer();
        var client = server.Client;
        var pipeline = await Wire.CreatePipeline(server.Typed, $"bench-wake-{context.RunId}", WakeDefinition);
        await Wire.CreatePipeline(server.Typed, $"bench-idle-{context.RunId}", IdleDefinition());
        var task = Wire.Utf8($$"""{"pipeline_id":"{{pipeline}}","title":"wake","description":""}""");
        using var waiting = NewHttp(server.Url);

        await WakeLatency(context, server, waiting, task, o.Smoke ? 30 : 1_000);
        await WithIdleWaiters(context, server, pipeline, o.Smoke ? 200 : 10_000);
        await Trickle(context, client, waiting, task);
    }

    private static async Task WakeLatency(BenchContext context, ServerTarget server, HttpClient waiting, byte[] task, int count)
    {
        var client = server.Client;
        var plain = Wire.Utf8("""{"agent_id":"plain","agent_role":"wake"}""");
        var wakes = new List<double>(count);
        var claims = new List<double>(count);
        for (var i = 0; i < count + 20; i++) // the first 20 warm up
        {
            var waiter = Claim(waiting, "waiter", "wake", 30_000);
            await UntilWaiting(server.Typed, "wake", 1);
            var created = await client.Post("/tasks", task, 201);
            var createdAt = Stopwatch.GetTimestamp();
            var (answer, answeredAt) = await waiter;
            if (i >= 20) wakes.Add(Math.Max(0, Stopwatch.GetElapsedTime(createdAt, answeredAt).TotalMilliseconds));
            await Finish(client, answer);

            await client.Post("/tasks", task, 201);
            var t = Stopwatch.GetTimestamp();
            var claimed = await client.Post("/leases/claim", plain, 200);
            if (i >= 20) claims.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            await Finish(client, claimed);
        }
        wakes.Sort();
        claims.Sort();
        var report = context.Report;
        report.Info("wake", $"wake-up: create answered → waiting claim answered, p50 / p99 ({count:#,0})", $"{Report.Ms(P(wakes, 50))} / {Report.Ms(P(wakes, 99))}");
        report.Info("wake", "plain claim p50 / p99 (same loop)", $"{Report.Ms(P(claims, 50))} / {Report.Ms(P(claims, 99))}");
        var ratio = P(wakes, 50) / P(claims, 50);
        report.Check("wake", "wake-up p50 ÷ plain claim p50", Report.Ratio(ratio), "≤ 2×", ratio <= 2);
    }

    /// <summary>Claim p50 from a backlog with no waiters, then with <paramref name="count"/> waiting on other roles.</summary>
    private static async Task WithIdleWaiters(BenchContext context, ServerTarget server, string pipeline, int count)
    {
        await SeedBacklog(context, server, pipeline);
        var (none, noneCpu) = await Latency(context, server);
        // The measured phase must fit between the last waiter queueing and the first one's wait running out
        // (30 s): its backlog is seeded before the waiters queue, and renewals inside it are counted below.
        await SeedBacklog(context, server, pipeline);
        var before = Rss(server);
        using var idle = NewHttp(server.Url);
        using var stop = new CancellationTokenSource();
        var renewals = 0L;
        var unavailable = 0L;
        var waiters = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            // wait_ms is at most 30 s: a waiter whose wait ran out asks again, as an agent would; so does one
            // turned away with 503 while thousands queue at once (each waiter's first attempt needs a connection).
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Claim(idle, $"idle-{i}", $"idle-role-{i % IdleRoles}", 30_000, stop.Token);
                    Interlocked.Increment(ref renewals);
                }
                catch (UnavailableException)
                {
                    Interlocked.Increment(ref unavailable);
                    await Task.Delay(Random.Shared.Next(100, 500), CancellationToken.None);
                }
                catch (Exception e) when (e is OperationCanceledException or HttpRequestException) { return; }
            }
        })).ToList();
        var queued = Stopwatch.StartNew();
        await UntilWaiting(server.Typed, null, count, TimeSpan.FromSeconds(60));
        var queuedIn = queued.Elapsed;
        var after = Rss(server);
        var renewedBefore = Interlocked.Read(ref renewals);
        var (with, withCpu) = await Latency(context, server);
        var renewedDuring = Interlocked.Read(ref renewals) - renewedBefore;
        await stop.CancelAsync();
        idle.CancelPendingRequests();
        await Task.WhenAll(waiters);
        await UntilNoneWaiting(server.Typed);
        await SeedBacklog(context, server, pipeline);
        var (noneAfter, noneAfterCpu) = await Latency(context, server);
        var baseline = (none + noneAfter) / 2; // before and after: the machine's drift falls on both sides

        var report = context.Report;
        report.Info("wake", $"claim p50: no waiters (before, after) / {count:#,0} idle waiters on other roles",
            $"{Report.Ms(none)}, {Report.Ms(noneAfter)} / {Report.Ms(with)}");
        report.Check("wake", "claim p50 with idle waiters ÷ without", Report.Ratio(with / baseline), "≤ 1.10×", with / baseline <= 1.10);
        report.Info("wake", $"server CPU per claim + finish: no waiters (before, after) / {count:#,0} idle waiters",
            $"{noneCpu:#,0}, {noneAfterCpu:#,0} / {withCpu:#,0} µs");
        report.Info("wake", $"{count:#,0} waiters queued in / renewed while measuring / 503s while queueing (retried)",
            $"{queuedIn.TotalSeconds:0.0} s / {renewedDuring} / {Interlocked.Read(ref unavailable):#,0}");
        if (before is { } b && after is { } a) report.Info("wake", "server memory per idle waiter (RSS growth ÷ waiters)", Bytes((a - b) / (double)count));
    }

    /// <summary>
    /// 16 agents (4 under --smoke) for one phase each: a producer creates a task every 10 ms; the agents
    /// claim and finish, with wait_ms 5000 (no sleep), then polling with wait_ms 0 and a 50 ms sleep after a 204.
    /// </summary>
    private static async Task Trickle(BenchContext context, BenchClient client, HttpClient waiting, byte[] task)
    {
        var o = context.Options;
        var agents = o.Smoke ? 4 : 16;
        while ((await Claim(waiting, "drain", "wake", 0)).Response.Status == 200) { } // the backlogs' leftovers
        foreach (var mode in new[] { "wait_ms", "poll+50ms" })
        {
            using var stop = new CancellationTokenSource(context.Phase);
            var producer = Task.Run(async () =>
            {
                var next = Stopwatch.GetTimestamp();
                while (!stop.IsCancellationRequested)
                {
                    await client.Post("/tasks", task, 201);
                    next += Stopwatch.Frequency / 100;
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                    if (wait > TimeSpan.Zero) await Task.Delay(wait);
                }
            });
            long claims = 0, wasted = 0;
            await Task.WhenAll(Enumerable.Range(0, agents).Select(i => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    Answer answer;
                    try
                    {
                        // The phase's end hangs up on a claim still waiting (the server then grants it nothing).
                        (answer, _) = await Claim(waiting, $"trickle-{i}", "wake", mode == "wait_ms" ? 1_000 : 0, stop.Token);
                    }
                    catch (OperationCanceledException) { return; }
                    if (answer.Status == 200)
                    {
                        Interlocked.Increment(ref claims);
                        await Finish(client, answer);
                        continue;
                    }
                    Interlocked.Increment(ref wasted);
                    if (mode != "wait_ms") await Task.Delay(50, CancellationToken.None);
                }
            })));
            await producer;
            var seconds = context.Phase.TotalSeconds;
            context.Report.Info("wake", $"{agents} agents, {mode}: claims/s / wasted 204s (producer 100 tasks/s)",
                $"{Report.Rate(claims / seconds, "/s")} / {wasted:#,0} ({wasted / seconds:0.0}/s)");
            // Drain what the producer left, so the next phase starts from the same empty queue.
            while ((await Claim(waiting, "drain", "wake", 0)).Response.Status == 200) { }
        }
    }

    private static async Task<(Answer Response, long AnsweredAt)> Claim(HttpClient http, string agent, string role, long waitMs,
        CancellationToken cancel = default)
    {
        using var content = new ByteArrayContent(Wire.Utf8($$"""{"agent_id":"{{agent}}","agent_role":"{{role}}","wait_ms":{{waitMs}},"lease_ttl_ms":3600000}"""));
        content.Headers.ContentType = new("application/json");
        using var response = await http.PostAsync("/leases/claim", content, cancel);
        var body = await response.Content.ReadAsByteArrayAsync(cancel);
        var at = Stopwatch.GetTimestamp();
        if ((int)response.StatusCode == 503) throw new UnavailableException();
        if ((int)response.StatusCode is not (200 or 204))
            throw new InvalidOperationException($"a waiting claim answered {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
        return (new Answer((int)response.StatusCode, body), at);
    }

    /// <summary>Until the server counts at least <paramref name="count"/> waiting claims (for <paramref name="role"/>, or all roles).</summary>
    private static async Task UntilWaiting(TaskLeaseClient client, string? role, int count, TimeSpan? bound = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var waiting = (await client.ListRolesAsync()).Where(r => role is null || r.Role == role).Sum(r => r.WaitingClaims);
            if (waiting >= count) return;
            if (deadline.Elapsed > (bound ?? TimeSpan.FromSeconds(20)))
                throw new TimeoutException($"only {waiting} of {count} claims waiting after {deadline.Elapsed.TotalSeconds:0} s");
            await Task.Delay(role is null ? 100 : 1);
        }
    }

    private static async Task UntilNoneWaiting(TaskLeaseClient client)
    {
        for (var i = 0; i < 300 && (await client.ListRolesAsync()).Sum(r => r.WaitingClaims) > 0; i++) await Task.Delay(100);
    }

    /// <summary>A claim answered 503 (the node's connections stayed busy): retry, as the answer says.</summary>
    private sealed class UnavailableException : Exception;
}
