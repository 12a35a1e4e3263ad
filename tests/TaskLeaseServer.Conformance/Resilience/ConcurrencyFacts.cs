using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Resilience;

/// <summary>
/// Issue 3: many agents draining one queue through the real process must never share a task, never
/// process a task twice in one stage, and never see a 5xx.
/// </summary>
public sealed class ConcurrencyFacts
{
    private const int Agents = 16;
    private const int Tasks = 2000;

    [Fact]
    public async Task SixteenAgents_DrainATwoStagePipeline_WithoutEverSharingATask()
    {
        await using var server = await ServerProcess.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var work = "work-" + Guid.NewGuid().ToString("N")[..8];
        var review = "review-" + Guid.NewGuid().ToString("N")[..8];
        var pipeline = await Json(http, HttpMethod.Post, "/pipelines", $$"""
            {"name":"drain-{{work}}","definition":{"initial":"work",
             "states":{"work":{"agent_role":"{{work}}"},"review":{"agent_role":"{{review}}"},"done":{"terminal":true} },
             "transitions":[{"from":"work","to":"review","trigger":"submit"},{"from":"review","to":"done","trigger":"approve"}]} }
            """);
        var pipelineId = pipeline.GetProperty("id").GetString()!;
        for (var created = 0; created < Tasks; created += 250)
        {
            var items = string.Join(",", Enumerable.Range(0, 250).Select(i =>
                $$"""{"pipeline_id":"{{pipelineId}}","title":"t{{created + i}}","description":"","priority":{{(created + i) % 7}}}"""));
            await Json(http, HttpMethod.Post, "/tasks/bulk", $$"""{"tasks":[{{items}}]}""");
        }

        var holders = new ConcurrentDictionary<string, string>();      // task → agent holding it right now
        var processed = new ConcurrentDictionary<(string Task, string Stage), int>();
        var violations = new ConcurrentQueue<string>();
        var serverErrors = new ConcurrentQueue<string>();
        var finished = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        async Task Agent(int n)
        {
            var agent = $"agent-{n}";
            var idle = 0;
            while (Volatile.Read(ref finished) < Tasks && !deadline.IsCancellationRequested)
            {
                // Half the agents prefer the first stage, half the second; both fall back to the other.
                var roles = n % 2 == 0 ? new[] { work, review } : new[] { review, work };
                var didWork = false;
                foreach (var role in roles)
                {
                    var (status, claim) = await Send(http, HttpMethod.Post, "/leases/claim",
                        $$"""{"agent_id":"{{agent}}","agent_role":"{{role}}","lease_ttl_ms":120000}""", null, serverErrors);
                    if (status == HttpStatusCode.NoContent) continue;
                    if (status != HttpStatusCode.OK) { violations.Enqueue($"claim answered {status}"); continue; }

                    var task = claim!.Value.GetProperty("task");
                    var taskId = task.GetProperty("id").GetString()!;
                    var stage = task.GetProperty("stage").GetString()!;
                    var runId = claim.Value.GetProperty("run").GetProperty("id").GetString()!;
                    var token = claim.Value.GetProperty("lease_token").GetString()!;
                    if (!holders.TryAdd(taskId, agent)) violations.Enqueue($"{taskId} claimed by {agent} while held by {holders[taskId]}");
                    if (processed.AddOrUpdate((taskId, stage), 1, (_, c) => c + 1) > 1) violations.Enqueue($"{taskId} processed twice in {stage}");

                    var (evtStatus, _) = await Send(http, HttpMethod.Post, $"/runs/{runId}/events", """{"kind":"progress"}""", token, serverErrors);
                    if (evtStatus != HttpStatusCode.Created) violations.Enqueue($"event answered {evtStatus}");
                    holders.TryRemove(taskId, out _);
                    var trigger = stage == "work" ? "submit" : "approve";
                    var (moved, _) = await Send(http, HttpMethod.Post, $"/runs/{runId}/transition",
                        $$"""{"trigger":"{{trigger}}","expected_stage":"{{stage}}"}""", token, serverErrors);
                    if (moved != HttpStatusCode.OK) violations.Enqueue($"transition answered {moved}");
                    else if (stage == "review") Interlocked.Increment(ref finished);
                    didWork = true;
                    break;
                }
                idle = didWork ? 0 : idle + 1;
                if (idle > 0) await Task.Delay(Math.Min(50, idle * 5));   // both queues momentarily empty: poll gently
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Agents).Select(Agent));

        serverErrors.Should().BeEmpty();
        violations.Should().BeEmpty();
        finished.Should().Be(Tasks);
        processed.Should().HaveCount(Tasks * 2).And.OnlyContain(p => p.Value == 1);
        var health = await Json(http, HttpMethod.Get, "/health", null);
        health.GetProperty("active_leases").GetInt64().Should().Be(0);
    }

    private static async Task<JsonElement> Json(HttpClient http, HttpMethod method, string path, string? body)
    {
        var errors = new ConcurrentQueue<string>();
        var (status, json) = await Send(http, method, path, body, null, errors);
        ((int)status).Should().BeInRange(200, 299, "{0} {1} must succeed", method, path);
        return json!.Value;
    }

    private static async Task<(HttpStatusCode, JsonElement?)> Send(HttpClient http, HttpMethod method, string path, string? body,
        string? token, ConcurrentQueue<string> serverErrors)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode >= 500) serverErrors.Enqueue($"{method} {path}: {(int)response.StatusCode} {text}");
        return (response.StatusCode, text.Length == 0 ? null : JsonDocument.Parse(text).RootElement.Clone());
    }
}
