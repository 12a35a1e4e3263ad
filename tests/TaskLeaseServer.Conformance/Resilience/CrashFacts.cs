using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using TaskLeaseServer.Conformance.Sqlite;
using Xunit;

namespace TaskLeaseServer.Conformance.Resilience;

/// <summary>
/// Issue 3: kill -9 in the middle of creates and transitions loses no acknowledged write, leaves no
/// lease alive beyond its TTL, brings abandoned tasks back per their retry policy, and (on SQLite)
/// leaves a file that passes PRAGMA integrity_check. A graceful stop (SIGTERM) exits 0 (on SQLite,
/// with the WAL checkpointed).
/// </summary>
public sealed class CrashFacts
{
    private const long LeaseTtlMs = 2000;

    [Fact]
    public async Task KillDashNine_LosesNoAcknowledgedWrite_AndAbandonedTasksComeBack()
    {
        var dir = ServerProcess.NewTempDir();
        var options = new ServerOptions { Db = TestDatabase.Fresh(dir, "crash"), SweepIntervalMs = 100 };
        var server = await ServerProcess.StartAsync(options, dir);
        var role = "crash-" + Guid.NewGuid().ToString("N")[..8];
        string pipelineId;
        var created = new ConcurrentBag<string>();
        var transitioned = new ConcurrentBag<string>();
        var claimed = new ConcurrentBag<string>();
        long killedAtMs;
        using (var http = Client(server))
        {
            pipelineId = (await Send(http, HttpMethod.Post, "/pipelines", $$"""
                {"name":"{{role}}","definition":{"initial":"work",
                 "states":{"work":{"agent_role":"{{role}}"},"review":{"agent_role":"nobody"},"done":{"terminal":true} },
                 "transitions":[{"from":"work","to":"review","trigger":"submit"},{"from":"review","to":"done","trigger":"approve"}]} }
                """)).Json!.Value.GetProperty("id").GetString()!;
            string TaskBody(int i) => $$"""{"pipeline_id":"{{pipelineId}}","title":"t{{i}}","description":"","retry_policy":{"max_attempts":5} }""";
            for (var i = 0; i < 100; i++) created.Add((await Send(http, HttpMethod.Post, "/tasks", TaskBody(i))).Json!.Value.GetProperty("id").GetString()!);

            using var stop = new CancellationTokenSource();
            async Task Creator()
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var answer = await TrySend(http, HttpMethod.Post, "/tasks", TaskBody(i));
                    if (answer?.Status == HttpStatusCode.Created) created.Add(answer.Json!.Value.GetProperty("id").GetString()!);
                }
            }
            async Task Mover(int n)
            {
                while (!stop.IsCancellationRequested)
                {
                    var claim = await TrySend(http, HttpMethod.Post, "/leases/claim",
                        $$"""{"agent_id":"mover-{{n}}","agent_role":"{{role}}","lease_ttl_ms":{{LeaseTtlMs}}}""");
                    if (claim?.Status != HttpStatusCode.OK) continue;
                    var taskId = claim.Json!.Value.GetProperty("task").GetProperty("id").GetString()!;
                    claimed.Add(taskId);
                    var runId = claim.Json!.Value.GetProperty("run").GetProperty("id").GetString()!;
                    var token = claim.Json!.Value.GetProperty("lease_token").GetString()!;
                    // Some agents "hang" on their task, so the kill finds leases held.
                    if (n % 3 == 0) await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { });
                    var moved = await TrySend(http, HttpMethod.Post, $"/runs/{runId}/transition", """{"trigger":"submit"}""", token);
                    if (moved?.Status == HttpStatusCode.OK) transitioned.Add(taskId);
                }
            }
            var load = Enumerable.Range(0, 3).Select(_ => Creator()).Concat(Enumerable.Range(0, 9).Select(Mover)).ToList();
            // Mid-load: at least 1.5 s of it and an acknowledged transition (a fresh PostgreSQL node
            // can take longer than that to answer its first claims), within a bound.
            var loading = System.Diagnostics.Stopwatch.StartNew();
            while ((transitioned.IsEmpty || loading.ElapsedMilliseconds < 1_500) && loading.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(20);
            killedAtMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await server.StopAsync();                       // kill -9, mid-load
            stop.Cancel();
            await Task.WhenAll(load);
        }
        created.Should().HaveCountGreaterThan(100, "creates were acknowledged during the load");
        transitioned.Should().NotBeEmpty();

        await using (server = await ServerProcess.StartAsync(options, dir))
        using (var http = Client(server))
        {
            foreach (var id in created.Distinct())
                (await Send(http, HttpMethod.Get, $"/tasks/{id}")).Status.Should().Be(HttpStatusCode.OK, "task {0} was acknowledged", id);
            foreach (var id in transitioned)
                (await Send(http, HttpMethod.Get, $"/tasks/{id}")).Json!.Value.GetProperty("stage").GetString().Should().Be("review");

            // No lease of the dead process outlives its TTL: the sweeper reaps them without any claim.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            long active;
            while ((active = (await Send(http, HttpMethod.Get, "/health")).Json!.Value.GetProperty("active_leases").GetInt64()) > 0 ||
                   DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < killedAtMs + LeaseTtlMs + 500)
            {
                if (DateTime.UtcNow > deadline) break;
                await Task.Delay(100);
            }
            active.Should().Be(0);

            // Every abandoned task (claimed, never acknowledged as moved) is back: stale run, lease_expired, claimable.
            var abandoned = claimed.Distinct().Except(transitioned).ToList();
            abandoned.Should().NotBeEmpty("some movers were holding tasks at the kill");
            foreach (var id in abandoned)
            {
                var task = (await Send(http, HttpMethod.Get, $"/tasks/{id}")).Json!.Value;
                if (task.GetProperty("stage").GetString() == "review") continue;   // its transition committed but the answer was lost
                var run = task.GetProperty("latest_run");
                run.GetProperty("status").GetString().Should().Be("stale", "task {0} was abandoned by the dead process", id);
                var events = (await Send(http, HttpMethod.Get, $"/runs/{run.GetProperty("id").GetString()}/events")).Json!.Value.GetProperty("items");
                events.EnumerateArray().Select(e => e.GetProperty("kind").GetString()).Should().Contain(["lease_expired", "retry_scheduled"]);
            }
            var reclaimed = new HashSet<string>();
            while ((await Send(http, HttpMethod.Post, "/leases/claim", $$"""{"agent_id":"after","agent_role":"{{role}}"}""")) is { Status: HttpStatusCode.OK } c)
                reclaimed.Add(c.Json!.Value.GetProperty("task").GetProperty("id").GetString()!);
            var stillInWork = new List<string>();
            foreach (var id in abandoned)
            {
                if ((await Send(http, HttpMethod.Get, $"/tasks/{id}")).Json!.Value.GetProperty("stage").GetString() == "work") stillInWork.Add(id);
            }
            reclaimed.Should().Contain(stillInWork, "abandoned tasks are retried (max_attempts 5, no delay)");
            await server.StopAsync();
        }

        if (TestDatabase.IsSqlite) SqliteFile.IntegrityCheck(options.Db).Should().Be("ok");
    }

    [Fact]
    public async Task Sigterm_FinishesCleanly_AndARestartFindsEverything()
    {
        var dir = ServerProcess.NewTempDir();
        var options = new ServerOptions { Db = TestDatabase.Fresh(dir, "graceful") };
        var server = await ServerProcess.StartAsync(options, dir);
        var ids = new List<string>();
        using (var http = Client(server))
        {
            var pipelineId = (await Send(http, HttpMethod.Post, "/pipelines", """
                {"name":"graceful","definition":{"initial":"a","states":{"a":{"agent_role":"r"},"b":{"terminal":true}},"transitions":[{"from":"a","to":"b","trigger":"go"}]}}
                """)).Json!.Value.GetProperty("id").GetString()!;
            for (var i = 0; i < 50; i++)
                ids.Add((await Send(http, HttpMethod.Post, "/tasks", $$"""{"pipeline_id":"{{pipelineId}}","title":"t","description":""}""")).Json!.Value.GetProperty("id").GetString()!);
        }
        (await server.TerminateAsync(TimeSpan.FromSeconds(20))).Should().Be(0, "SIGTERM is a clean stop; output: {0}", server.Output);
        if (TestDatabase.IsSqlite) SqliteFile.WalIsEmpty(options.Db).Should().BeTrue("the WAL is checkpointed at shutdown");

        await using var again = await ServerProcess.StartAsync(options, dir);
        using var client = Client(again);
        foreach (var id in ids) (await Send(client, HttpMethod.Get, $"/tasks/{id}")).Status.Should().Be(HttpStatusCode.OK);
    }

    private static HttpClient Client(ServerProcess server) => new() { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

    private sealed record Answer(HttpStatusCode Status, JsonElement? Json);

    private static async Task<Answer> Send(HttpClient http, HttpMethod method, string path, string? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().BeLessThan(500, "{0} {1} answered {2}", method, path, text);
        return new Answer(response.StatusCode, text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>During the kill, requests fail at the transport: those are not acknowledged.</summary>
    private static async Task<Answer?> TrySend(HttpClient http, HttpMethod method, string path, string? body = null, string? token = null)
    {
        try
        {
            return await Send(http, method, path, body, token);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }
}
