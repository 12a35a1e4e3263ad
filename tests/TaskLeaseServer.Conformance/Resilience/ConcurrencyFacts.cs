using System.Collections.Concurrent;
using FluentAssertions;
using TaskLeaseServer.Client;
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
        // No retries: a 5xx must surface here as ServerUnavailableException, not be ridden out.
        var client = new TaskLeaseClient(new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) },
            new TaskLeaseClientOptions { MaxRetries = 0 });
        var work = "work-" + Guid.NewGuid().ToString("N")[..8];
        var review = "review-" + Guid.NewGuid().ToString("N")[..8];
        var pipelineId = await client.CreatePipelineAsync("drain-" + work, new
        {
            initial = "work",
            states = new Dictionary<string, object> { ["work"] = new { agent_role = work }, ["review"] = new { agent_role = review }, ["done"] = new { terminal = true } },
            transitions = new[] { new { from = "work", to = "review", trigger = "submit" }, new { from = "review", to = "done", trigger = "approve" } },
        });
        for (var created = 0; created < Tasks; created += 250)
            await client.CreateTasksAsync(Enumerable.Range(created, 250).Select(i => new NewTask(pipelineId, "t" + i) { Priority = i % 7 }).ToList());

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
                    try
                    {
                        var claim = await client.ClaimAsync(new ClaimRequest(agent, role) { LeaseTtlMs = 120_000 });
                        if (claim is null) continue;
                        var (taskId, stage) = (claim.Task.Id, claim.Task.Stage);
                        if (!holders.TryAdd(taskId, agent)) violations.Enqueue($"{taskId} claimed by {agent} while held by {holders[taskId]}");
                        if (processed.AddOrUpdate((taskId, stage), 1, (_, c) => c + 1) > 1) violations.Enqueue($"{taskId} processed twice in {stage}");

                        await client.AppendEventAsync(claim.Run.Id, claim.LeaseToken, "progress");
                        holders.TryRemove(taskId, out _);
                        await client.TransitionAsync(claim.Run.Id, claim.LeaseToken,
                            new TransitionRequest(stage == "work" ? "submit" : "approve") { ExpectedStage = stage });
                        if (stage == "review") Interlocked.Increment(ref finished);
                        didWork = true;
                        break;
                    }
                    catch (ServerUnavailableException e) { serverErrors.Enqueue(e.Message); }
                    catch (TaskLeaseException e) { violations.Enqueue(e.Message); }
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
        (await client.GetHealthAsync()).ActiveLeases.Should().Be(0);
    }
}
