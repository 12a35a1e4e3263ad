using System.Collections.Concurrent;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Operators;

/// <summary>
/// Issue 11's race, against the real process on the engine under test: 16 agents claim, heartbeat,
/// transition and fail while an operator cancels, requeues (forced) and pauses/resumes in a loop.
/// No 5xx anywhere; no lease is usable after another agent was granted the same task; no task ends
/// both canceled and holding a running run; every claim gets a task that is neither canceled nor paused.
/// </summary>
public sealed class OperatorRaceFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    [Fact]
    public async Task SixteenAgentsAndAnOperator_NeverDoubleClaim_NeverLeaveACanceledTaskLeased_Never5xx()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var ids = new List<string>();
        for (var i = 0; i < 40; i++) ids.Add(await Api.CreateTaskAsync(pipeline.Id, new { retry_policy = new { max_attempts = 1000 } }));

        long clock = 0;
        var errors = new ConcurrentBag<string>();
        var grants = new ConcurrentDictionary<string, List<(long Granted, string LeaseId)>>();
        var usedOk = new ConcurrentBag<(string TaskId, string LeaseId, long StartedAfter)>();
        var stop = DateTime.UtcNow.AddSeconds(12);

        void Check(ApiResponse r, string what)
        {
            if (r.Status >= 500) errors.Add($"{what} answered {r.Status}: {r.Body}");
        }

        async Task Agent(int n)
        {
            var random = new Random(n);
            while (DateTime.UtcNow < stop)
            {
                var claim = await Api.PostAsync("/leases/claim", Flow.ClaimBody(pipeline.WorkRole, "agent-" + n, 5_000).ToJsonString());
                Check(claim, "claim");
                if (claim.Status != 200) continue;
                var lease = Flow.ToLease(claim, "agent-" + n);
                var granted = Interlocked.Increment(ref clock);
                var task = claim.Json.GetProperty("task");
                if (task.GetProperty("canceled_at_ms").ValueKind != System.Text.Json.JsonValueKind.Null || task.GetProperty("paused").GetBoolean())
                    errors.Add($"claim granted canceled or paused task {lease.TaskId}");
                lock (grants) grants.GetOrAdd(lease.TaskId, _ => []).Add((granted, lease.LeaseId));

                var start = Interlocked.Read(ref clock);
                var beat = await Api.HeartbeatAsync(lease);
                Check(beat, "heartbeat");
                if (beat.Status == 200) usedOk.Add((lease.TaskId, lease.LeaseId, start));
                start = Interlocked.Read(ref clock);
                var end = random.Next(2) == 0 ? await Api.FailAsync(lease) : await Api.TransitionAsync(lease, "submit");
                Check(end, "fail/transition");
                if (end.Status == 200) usedOk.Add((lease.TaskId, lease.LeaseId, start));
            }
        }

        async Task Operator()
        {
            var random = new Random(99);
            while (DateTime.UtcNow < stop)
            {
                var id = ids[random.Next(ids.Count)];
                var r = random.Next(5) switch
                {
                    0 => await Api.PostAsync($"/tasks/{id}/cancel", """{"reason":"race"}"""),
                    1 => await Api.PostAsync($"/tasks/{id}/requeue", """{"force":true,"stage":"work"}"""),
                    2 => await Api.PostAsync($"/tasks/{id}/pause", """{"revoke_lease":true}"""),
                    3 => await Api.PostAsync($"/tasks/{id}/resume"),
                    _ => await Api.PostAsync("/tasks/bulk/requeue", $$$"""{"ids":["{{{id}}}"],"force":true,"stage":"work"}"""),
                };
                Check(r, "operator");
                if (r.Status != 200) errors.Add($"operator action on {id} answered {r.Status}: {r.Body}");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(Agent).Append(Operator()));

        errors.Should().BeEmpty();
        foreach (var (taskId, leaseId, startedAfter) in usedOk)
        {
            // A lease that still worked after another agent was granted the same task would be a double claim.
            var later = grants[taskId].Where(g => g.LeaseId != leaseId && g.Granted < startedAfter &&
                grants[taskId].Single(x => x.LeaseId == leaseId).Granted < g.Granted).ToList();
            later.Should().BeEmpty($"lease {leaseId} of task {taskId} was used after the task was granted to {string.Join(",", later)}");
        }
        foreach (var id in ids)
        {
            var task = await Api.GetTaskAsync(id);
            if (task.GetProperty("canceled_at_ms").ValueKind == System.Text.Json.JsonValueKind.Null) continue;
            task.Str("status").Should().Be("canceled");
            if (task.TryGetProperty("latest_run", out var run)) run.Str("status").Should().NotBe("running", $"canceled task {id} has a running run");
        }
        grants.Values.Sum(g => g.Count).Should().BeGreaterThan(16, "the agents did work");
    }
}
