using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using TaskLeaseServer.Testing;
using Xunit.Abstractions;

namespace TaskLeaseServer.Conformance.Resilience.Database;

/// <summary>
/// Two nodes on one database under steady load while a fact does something to the database:
/// writers create tasks, agents claim and move them through two stages, every write with an
/// Idempotency-Key and re-sent with it (to the same node) after a 503 until it is acknowledged.
/// It records what was acknowledged, every answer of 5xx and how long each request took, and at
/// the end checks what the database holds against that.
/// </summary>
public sealed class Load : IAsyncDisposable
{
    private const int Writers = 4;
    private const int AgentCount = 6;

    private readonly List<ServerProcess> _nodes;
    private readonly HttpClient[] _http;
    private readonly string _db;
    private readonly string _pipeline;
    private readonly ITestOutputHelper _output;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<string> _acknowledged = [];
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentDictionary<string, string> _holders = new();
    private readonly ConcurrentDictionary<(string, string), int> _moved = new();
    private readonly List<Task> _running = [];
    private long _unavailable, _slowest, _created, _moves;

    private Load(List<ServerProcess> nodes, string db, string pipeline, ITestOutputHelper output)
    {
        _nodes = nodes;
        _db = db;
        _pipeline = pipeline;
        _output = output;
        _http = nodes.Select(n => new HttpClient { BaseAddress = n.BaseAddress, Timeout = TimeSpan.FromSeconds(30) }).ToArray();
    }

    public long Created => Interlocked.Read(ref _created);
    public long Moved => Interlocked.Read(ref _moves);
    public long Unavailable => Interlocked.Read(ref _unavailable);

    public static async Task<Load> StartAsync(string db, ITestOutputHelper output)
    {
        var nodes = (await Task.WhenAll(Enumerable.Range(1, 2).Select(i =>
            ServerProcess.StartAsync(new ServerOptions { Db = $"{db}?application_name=n{i}", SweepIntervalMs = 200 })))).ToList();
        using var http = new HttpClient { BaseAddress = nodes[0].BaseAddress };
        var load = new Load(nodes, db, await PipelineAsync(http), output);
        for (var w = 0; w < Writers; w++) load._running.Add(load.Writer(w));
        for (var a = 0; a < AgentCount; a++) load._running.Add(load.Agent(a));
        return load;
    }

    public static async Task<string> PipelineAsync(HttpClient http)
    {
        using var response = await http.PostAsync("/pipelines", new StringContent("""
            {"name":"faults","definition":{"initial":"work",
             "states":{"work":{"agent_role":"worker"},"review":{"agent_role":"reviewer"},"done":{"terminal":true} },
             "transitions":[{"from":"work","to":"review","trigger":"submit"},{"from":"review","to":"done","trigger":"approve"}]} }
            """, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
    }

    public static Task<(int Status, string Body)> CreateTaskAsync(HttpClient http, string pipeline, string title, string? key) =>
        SendAsync(http, HttpMethod.Post, "/tasks", $$"""{"pipeline_id":"{{pipeline}}","title":"{{title}}","description":""}""", null, key);

    /// <summary>The answer a node gives while the database is away: 503 with the envelope and code <c>unavailable</c>.</summary>
    public static bool IsUnavailableEnvelope(string body)
    {
        try
        {
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
            return error.GetProperty("code").GetString() == "unavailable" && error.GetProperty("message").GetString() is { Length: > 0 };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task<(int Status, string Body)> SendAsync(HttpClient http, HttpMethod method, string path, string json, string? bearer, string? key)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Sends until the answer is not a 503, with one key; a 5xx other than 503-with-envelope is a violation.</summary>
    private async Task<(int Status, string Body)> UntilAnswered(int node, HttpMethod method, string path, string json, string? bearer = null)
    {
        var key = Guid.NewGuid().ToString("N");
        while (true)
        {
            var clock = Stopwatch.StartNew();
            (int Status, string Body) answer;
            try
            {
                answer = await SendAsync(_http[node], method, path, json, bearer, key);
            }
            catch (TaskCanceledException)
            {
                _violations.Enqueue($"n{node + 1} {method} {path} did not answer within 30 s");
                continue;
            }
            var took = clock.ElapsedMilliseconds;
            if (took > Interlocked.Read(ref _slowest)) Interlocked.Exchange(ref _slowest, took);
            if (answer.Status < 500) return answer;
            if (answer.Status != 503 || !IsUnavailableEnvelope(answer.Body)) _violations.Enqueue($"n{node + 1} {method} {path} → {answer.Status} {answer.Body}");
            Interlocked.Increment(ref _unavailable);
            if (_stop.IsCancellationRequested) return answer;
            await Task.Delay(50);
        }
    }

    private async Task Writer(int w)
    {
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            var title = $"w{w}-{i}";
            var (status, body) = await UntilAnswered(w % 2, HttpMethod.Post, "/tasks", $$"""{"pipeline_id":"{{_pipeline}}","title":"{{title}}","description":""}""");
            if (status == 201) { _acknowledged.Add(title); Interlocked.Increment(ref _created); }
            else if (status < 500) _violations.Enqueue($"create {title} → {status} {body}");
        }
    }

    private async Task Agent(int a)
    {
        var agent = "agent-" + a;
        while (!_stop.IsCancellationRequested)
        {
            var role = a % 2 == 0 ? "worker" : "reviewer";
            var (status, body) = await UntilAnswered(a % 2, HttpMethod.Post, "/leases/claim", $$"""{"agent_id":"{{agent}}","agent_role":"{{role}}","lease_ttl_ms":60000}""");
            if (status == 204) { await Task.Delay(20); continue; }
            if (status != 200) { if (status < 500) _violations.Enqueue($"claim → {status} {body}"); continue; }
            var claim = JsonDocument.Parse(body).RootElement;
            var taskId = claim.GetProperty("task").GetProperty("id").GetString()!;
            var stage = claim.GetProperty("task").GetProperty("stage").GetString()!;
            if (!_holders.TryAdd(taskId, agent)) _violations.Enqueue($"{taskId} granted to {agent} while {_holders[taskId]} held it");
            _holders.TryRemove(taskId, out _);
            var (moved, answer) = await UntilAnswered(a % 2, HttpMethod.Post, $"/runs/{claim.GetProperty("run").GetProperty("id").GetString()}/transition",
                $$"""{"trigger":"{{(stage == "work" ? "submit" : "approve")}}","expected_stage":"{{stage}}"}""", claim.GetProperty("lease_token").GetString());
            if (moved == 200)
            {
                Interlocked.Increment(ref _moves);
                if (_moved.AddOrUpdate((taskId, stage), 1, (_, c) => c + 1) > 1) _violations.Enqueue($"{taskId} moved twice out of {stage}");
            }
            else if (moved < 500) _violations.Enqueue($"transition of {taskId} → {moved} {answer}");
        }
    }

    public Task UntilAsync(Func<bool> condition, string what) =>
        MultiNode.Nodes.UntilAsync(() => condition() || !_violations.IsEmpty, TimeSpan.FromSeconds(60), what);

    /// <summary>Stops the load and checks: no violation, nothing acknowledged missing or doubled, no request past the bound.</summary>
    public async Task StopAndCheckAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        _output.WriteLine($"{Created} tasks created, {Moved} moves, {Unavailable} answers of 503, slowest request {Interlocked.Read(ref _slowest)} ms");
        _violations.Should().BeEmpty();
        Interlocked.Read(ref _slowest).Should().BeLessThan(20_000, "every wait on the database is bounded");
        using var sql = OwnCluster.Connect(_db);
        var stored = new HashSet<string>();
        using (var command = new Npgsql.NpgsqlCommand("SELECT title FROM tasks", sql))
        using (var reader = command.ExecuteReader())
            while (reader.Read()) stored.Add(reader.GetString(0));
        _acknowledged.Where(t => !stored.Contains(t)).Should().BeEmpty("no acknowledged write is lost");
        sql.ExecuteScalar<long>("SELECT count(*) FROM tasks").Should().Be(sql.ExecuteScalar<long>("SELECT count(DISTINCT title) FROM tasks"),
            "a create retried with its key never made a second task");
        sql.ExecuteScalar<long>("SELECT count(*) FROM (SELECT 1 FROM runs WHERE status = 'completed' GROUP BY task_id, agent_role HAVING count(*) > 1) t")
            .Should().Be(0, "no task moved twice out of one stage");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await Task.WhenAll(_running); }
        catch (Exception) { /* the fact already failed */ }
        foreach (var h in _http) h.Dispose();
        foreach (var n in _nodes) await n.DisposeAsync();
    }
}
