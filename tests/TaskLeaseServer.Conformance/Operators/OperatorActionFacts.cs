using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Operators;

/// <summary>EXTENSIONS §7, §8, §10 and §14 on the wire: the operator's actions, bulk, inspect, the events they write.</summary>
public sealed class OperatorActionFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    private async Task<JsonElement> Ok(Task<ApiResponse> call)
    {
        var response = await call;
        Expect.Status(response, 200);
        return response.Json;
    }

    [Fact]
    public async Task Cancel_RevokesTheLease_AndTheHoldersNextCallsGet410LeaseRevoked()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id);
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);

        var task = await Ok(Api.PostAsync($"/tasks/{id}/cancel", """{"reason":"not needed"}"""));

        task.Str("status").Should().Be("canceled");
        task.Str("cancel_reason").Should().Be("not needed");
        task.Int("canceled_at_ms").Should().BeGreaterThan(0);
        task.GetProperty("latest_run").Str("status").Should().Be("canceled");
        foreach (var call in new[] { Api.HeartbeatAsync(lease), Api.TransitionAsync(lease, "submit"), Api.FailAsync(lease),
                     Api.AppendEventAsync(lease, "progress"), Api.PostAsync($"/leases/{lease.LeaseId}/release", null, lease.Auth) })
        {
            var refused = await call;
            Expect.Error(refused, 410, "lease_revoked");
            refused.Json.GetProperty("error").Str("message").Should().Contain("canceled");
        }
        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull();
        var events = await Api.AllEventsAsync(lease.RunId);
        events.Select(e => e.Str("kind")).Should().Equal("lease_revoked", "canceled");
        events.Should().AllSatisfy(e => e.GetProperty("data").Str("actor").Should().Be("anonymous"));
        Expect.Status(await Api.PostAsync($"/tasks/{id}/cancel", "{}"), 200);
        Expect.Error(await Api.PostAsync($"/tasks/{Guid.NewGuid()}/cancel", "{}"), 404, "not_found");
        Expect.Error(await Api.PostAsync($"/tasks/{id}/cancel", """{"reason":5}"""), 400, "invalid_request");
    }

    [Fact]
    public async Task Requeue_OfADeadLetter_BringsItBackWithFreshAttempts_AndForceTakesALeaseAway()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id, new { retry_policy = new { max_attempts = 1 } });
        Expect.Status(await Api.FailAsync(await Api.ClaimOneAsync(pipeline.WorkRole)), 200);
        (await Api.GetTaskAsync(id)).Str("status").Should().Be("dead_lettered");

        var requeued = await Ok(Api.PostAsync($"/tasks/{id}/requeue"));
        requeued.Str("status").Should().Be("ready");
        requeued.GetProperty("dead_letter_reason").ValueKind.Should().Be(JsonValueKind.Null);

        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        lease.Attempt.Should().Be(2);
        Expect.Error(await Api.PostAsync($"/tasks/{id}/requeue", "{}"), 409, "task_leased");
        var forced = await Ok(Api.PostAsync($"/tasks/{id}/requeue", """{"force":true,"stage":"review"}"""));
        forced.Str("stage").Should().Be("review");
        forced.Int("task_version").Should().Be(2);
        Expect.Error(await Api.HeartbeatAsync(lease), 410, "lease_revoked");
        var next = await Api.ClaimOneAsync(pipeline.ReviewRole);
        next.TaskId.Should().Be(id);
        Expect.Status(await Api.FailAsync(next), 200);
        (await Api.GetTaskAsync(id)).Str("status").Should().Be("dead_lettered", "one fresh attempt, and it failed");
        Expect.Error(await Api.PostAsync($"/tasks/{id}/requeue", """{"stage":"done"}"""), 400, "invalid_stage");
    }

    [Fact]
    public async Task PauseAndResume_AndAPauseThatRevokes()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id);

        (await Ok(Api.PostAsync($"/tasks/{id}/pause", """{"reason":"incident"}"""))).Str("status").Should().Be("paused");
        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull();
        var inspect = await Ok(Api.GetAsync($"/tasks/{id}/inspect"));
        inspect.GetProperty("claimable").GetBoolean().Should().BeFalse();
        inspect.GetProperty("reasons")[0].Str("code").Should().Be("paused");
        inspect.GetProperty("reasons")[0].Str("reason").Should().Be("incident");
        inspect.Str("next_action").Should().Contain($"/tasks/{id}/resume");

        (await Ok(Api.PostAsync($"/tasks/{id}/resume"))).Str("status").Should().Be("ready");
        (await Ok(Api.GetAsync($"/tasks/{id}/inspect"))).GetProperty("claimable").GetBoolean().Should().BeTrue();
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        Expect.Status(await Api.PostAsync($"/tasks/{id}/pause", "{}"), 200);
        Expect.Status(await Api.HeartbeatAsync(lease), 200);
        Expect.Status(await Api.PostAsync($"/tasks/{id}/pause", """{"revoke_lease":true}"""), 200);
        Expect.Error(await Api.TransitionAsync(lease, "submit"), 410, "lease_revoked");
    }

    [Fact]
    public async Task Patch_EditsFields_NotTheVersion_AndRefusesUnknownFieldsAndStaleVersions()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id);
        var before = await Api.GetTaskAsync(id);
        await Clock.PassAsync(before.Int("updated_at_ms"));

        var edited = await Ok(Api.SendAsync(HttpMethod.Patch, $"/tasks/{id}",
            """{"title":"renamed","priority":5,"metadata":{"a":1},"retry_policy":{"max_attempts":2},"expected_task_version":1}"""));

        edited.Str("title").Should().Be("renamed");
        edited.Int("priority").Should().Be(5);
        edited.GetProperty("metadata").GetRawText().Should().Be("""{"a":1}""");
        edited.Int("max_attempts").Should().Be(2);
        edited.Int("task_version").Should().Be(1);
        edited.Int("updated_at_ms").Should().BeGreaterThan(before.Int("updated_at_ms"));
        Expect.Error(await Api.SendAsync(HttpMethod.Patch, $"/tasks/{id}", """{"title":"x","expected_task_version":7}"""), 409, "task_version_mismatch");
        Expect.Error(await Api.SendAsync(HttpMethod.Patch, $"/tasks/{id}", """{"stage":"done"}"""), 400, "invalid_request");
        Expect.Error(await Api.SendAsync(HttpMethod.Patch, $"/tasks/{id}", """{"priority":"high"}"""), 400, "invalid_request");
        Expect.Error(await Api.SendAsync(HttpMethod.Patch, $"/tasks/{id}", """{"not_before_ms":-5}"""), 400, "invalid_request");
        Expect.Error(await Api.SendAsync(HttpMethod.Patch, $"/tasks/{id}", "{}"), 400, "invalid_request");
        Expect.Error(await Api.SendAsync(HttpMethod.Patch, $"/tasks/{Guid.NewGuid()}", """{"title":"x"}"""), 404, "not_found");
        (await Api.GetTaskAsync(id)).Str("title").Should().Be("renamed");
    }

    [Fact]
    public async Task Delete_RemovesTheTask_FreesDependents_AndNeedsForceForALeasedOne()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var upstream = await Api.CreateTaskAsync(pipeline.Id, new { priority = 9 });
        var dependent = await Api.CreateTaskAsync(pipeline.Id, new { dependencies = new[] { upstream } });
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        lease.TaskId.Should().Be(upstream);

        Expect.Error(await Api.DeleteAsync($"/tasks/{upstream}"), 409, "task_leased");
        var deleted = await Api.DeleteAsync($"/tasks/{upstream}?force=true");
        Expect.Status(deleted, 200);
        deleted.Json.Str("status").Should().Be("deleted");

        Expect.Error(await Api.GetAsync($"/tasks/{upstream}"), 404, "not_found");
        Expect.Error(await Api.HeartbeatAsync(lease), 410, "lease_revoked");
        (await Api.GetTaskAsync(dependent)).Str("status").Should().Be("ready");
        (await Api.ClaimOneAsync(pipeline.WorkRole)).TaskId.Should().Be(dependent);
        Expect.Error(await Api.DeleteAsync($"/tasks/{upstream}"), 404, "not_found");
        Expect.Error(await Api.DeleteAsync($"/tasks/{dependent}?force=maybe"), 400, "invalid_request");
    }

    [Fact]
    public async Task RemovingADependency_UnblocksTheTask()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var upstream = await Api.CreateTaskAsync(pipeline.Id);
        var id = await Api.CreateTaskAsync(pipeline.Id, new { dependencies = new[] { upstream } });
        var inspect = await Ok(Api.GetAsync($"/tasks/{id}/inspect"));
        inspect.GetProperty("reasons")[0].Str("code").Should().Be("blocked");
        inspect.GetProperty("reasons")[0].GetProperty("task_ids")[0].GetString().Should().Be(upstream);

        Expect.Status(await Api.DeleteAsync($"/tasks/{id}/dependencies/{upstream}"), 200);
        (await Api.GetTaskAsync(id)).Str("status").Should().Be("ready");
        Expect.Error(await Api.DeleteAsync($"/tasks/{id}/dependencies/{upstream}"), 404, "not_found");
    }

    [Fact]
    public async Task Bulk_ByIdsAndByFilter_AnswersPerItem()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var a = await Api.CreateTaskAsync(pipeline.Id);
        var b = await Api.CreateTaskAsync(pipeline.Id);
        var missing = Guid.NewGuid().ToString();

        var paused = await Ok(Api.PostAsync("/tasks/bulk/pause", $$$"""{"ids":["{{{a}}}","{{{missing}}}"],"reason":"r"}"""));
        paused.Int("matched").Should().Be(2);
        paused.GetProperty("items")[0].GetProperty("ok").GetBoolean().Should().BeTrue();
        paused.GetProperty("items")[0].TryGetProperty("error", out _).Should().BeFalse();
        paused.GetProperty("items")[1].GetProperty("error").Str("code").Should().Be("not_found");

        var canceled = await Ok(Api.PostAsync("/tasks/bulk/cancel",
            $$$"""{"filter":{"pipeline_id":"{{{pipeline.Id}}}","status":"ready"},"limit":10}"""));
        canceled.Int("matched").Should().Be(1);
        canceled.GetProperty("items")[0].Str("id").Should().Be(b);
        (await Api.GetTaskAsync(b)).Str("status").Should().Be("canceled");
        (await Api.GetTaskAsync(a)).Str("status").Should().Be("paused");

        var requeued = await Ok(Api.PostAsync("/tasks/bulk/requeue", $$$"""{"filter":{"pipeline_id":"{{{pipeline.Id}}}","status":"canceled,dead_lettered"}}"""));
        requeued.Int("matched").Should().Be(1);
        Expect.Status(await Api.PostAsync("/tasks/bulk/resume", $$$"""{"filter":{"pipeline_id":"{{{pipeline.Id}}}","role":"{{{pipeline.WorkRole}}}"}}"""), 200);
        (await Api.GetTaskAsync(a)).Str("status").Should().Be("ready");

        Expect.Error(await Api.PostAsync("/tasks/bulk/cancel", $$$"""{"filter":{"pipeline_id":"{{{pipeline.Id}}}","status":"done"}}"""), 404, "not_found");
        Expect.Error(await Api.PostAsync("/tasks/bulk/cancel", """{"filter":{"status":"sleeping"}}"""), 400, "invalid_request");
        Expect.Error(await Api.PostAsync("/tasks/bulk/cancel", """{"filter":{}}"""), 400, "invalid_request");
        Expect.Error(await Api.PostAsync("/tasks/bulk/cancel", """{"ids":[]}"""), 400, "invalid_request");
        Expect.Error(await Api.PostAsync("/tasks/bulk/cancel", $$$"""{"ids":["{{{a}}}"],"filter":{"role":"x"}}"""), 400, "invalid_request");
        var tooMany = "{\"ids\":[" + string.Join(",", Enumerable.Range(0, 1001).Select(_ => $"\"{a}\"")) + "]}";
        Expect.Error(await Api.PostAsync("/tasks/bulk/cancel", tooMany), 400, "invalid_request");
        Expect.Error(await Api.PostAsync("/tasks/bulk/cancel", $$$"""{"filter":{"role":"x"},"limit":10001}"""), 400, "invalid_request");
        Expect.Error(await Api.PostAsync("/tasks/bulk/cancel", $$$"""{"filter":{"pipeline_id":"{{{pipeline.Id}}}","stage":"nowhere"}}"""), 400, "invalid_stage");
        (await Api.GetTaskAsync(a)).Str("status").Should().Be("ready");
    }

    [Fact]
    public async Task Inspect_ExplainsEveryReason_AndAgreesWithClaim()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var later = Clock.NowMs() + 3_600_000;
        var id = await Api.CreateTaskAsync(pipeline.Id, new { not_before_ms = later, assigned_agent_id = "agent-x", paused = true });

        var inspect = await Ok(Api.GetAsync($"/tasks/{id}/inspect"));

        inspect.Str("task_id").Should().Be(id);
        inspect.Str("status").Should().Be("paused");
        inspect.GetProperty("claimable").GetBoolean().Should().BeFalse();
        var reasons = inspect.GetProperty("reasons").EnumerateArray().ToList();
        reasons.Select(r => r.Str("code")).Should().Equal("paused", "waiting", "assigned");
        reasons[1].Int("until_ms").Should().Be(later);
        reasons[1].Str("cause").Should().Be("not_before");
        reasons[2].Str("agent_id").Should().Be("agent-x");
        Expect.Error(await Api.GetAsync($"/tasks/{Guid.NewGuid()}/inspect"), 404, "not_found");

        var ready = await Api.CreateTaskAsync(pipeline.Id, new { assigned_agent_id = "agent-y" });
        var verdict = await Ok(Api.GetAsync($"/tasks/{ready}/inspect"));
        verdict.GetProperty("claimable").GetBoolean().Should().BeTrue();
        (await Api.ClaimAsync(pipeline.WorkRole, agent: "agent-z")).Should().BeNull();
        (await Api.ClaimOneAsync(pipeline.WorkRole, agent: "agent-y")).TaskId.Should().Be(ready);
        var leased = await Ok(Api.GetAsync($"/tasks/{ready}/inspect"));
        leased.GetProperty("claimable").GetBoolean().Should().BeFalse();
        leased.GetProperty("reasons")[0].Str("code").Should().Be("leased");
        leased.GetProperty("reasons")[0].Str("agent_id").Should().Be("agent-y");
    }
}
