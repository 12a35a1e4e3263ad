using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>§12 items 61-75: claiming work (CONTRACT §7.7, §8.17).</summary>
public sealed class ClaimFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    [Fact]
    public async Task Item061_NoEligibleTaskAnswers204WithEmptyBodyAlsoForUnknownRole()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var forPipelineRole = await Api.PostAsync("/leases/claim", Flow.ClaimBody(pipeline.WorkRole).ToJsonString());
        Expect.Status(forPipelineRole, 204);
        forPipelineRole.BodyBytes.Should().BeEmpty();

        var forUnknownRole = await Api.PostAsync("/leases/claim", Flow.ClaimBody(Flow.Unique("nobody")).ToJsonString());
        Expect.Status(forUnknownRole, 204);
        forUnknownRole.BodyBytes.Should().BeEmpty();

        await Api.CreateTaskAsync(pipeline.Id);
        Expect.Status(await Api.PostAsync("/leases/claim", Flow.ClaimBody(pipeline.ReviewRole).ToJsonString()), 204);
    }

    [Fact]
    public async Task Item062_ClaimWithoutAgentRoleAnswers400InvalidJson()
    {
        Expect.Error(await Api.PostAsync("/leases/claim", """{"agent_id":"a"}"""), 400, "invalid_json");
        Expect.Error(await Api.PostAsync("/leases/claim", """{"agent_role":"r"}"""), 400, "invalid_json");
        Expect.Error(await Api.PostAsync("/leases/claim", """{"agent_id":"a","agent_role":null}"""), 400, "invalid_json");
        Expect.Error(await Api.PostAsync("/leases/claim", """{"agent_id":"a","agent_role":"r","concurrency":5}"""), 400, "invalid_json");
        Expect.Error(await Api.PostAsync("/leases/claim", """{"agent_id":"a","agent_role":"r","lease_ttl_ms":"soon"}"""), 400, "invalid_json");
    }

    [Fact]
    public async Task Item063_SuccessfulClaimAnswers200WithTaskRunLeaseIdTokenAndExpiry()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var taskId = await Api.CreateTaskAsync(pipeline.Id);
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);

        var body = lease.Body;
        Expect.HasProperties(body, "task", "run", "lease_id", "lease_token", "expires_at_ms");
        Expect.TaskShape(body.GetProperty("task"));
        body.GetProperty("task").Str("id").Should().Be(taskId);
        Expect.RunShape(body.GetProperty("run"));
        Expect.UuidV4(body.Str("lease_id"), "lease_id");
        Expect.UuidV4(body.GetProperty("run").Str("id"), "run.id");
        Expect.LeaseToken(body.Str("lease_token"));
        Expect.Kind(body, "expires_at_ms", JsonValueKind.Number);
    }

    [Fact]
    public async Task Item064_ExpiryIsClaimTimePlusDefault300000OrTheRequestedTtl()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(pipeline.Id);
        await Api.CreateTaskAsync(pipeline.Id);

        var before = Clock.NowMs();
        var byDefault = await Api.ClaimOneAsync(pipeline.WorkRole);
        var after = Clock.NowMs();
        byDefault.ExpiresAtMs.Should().BeInRange(before + 300_000, after + 300_000);
        byDefault.ExpiresAtMs.Should().Be(byDefault.Body.GetProperty("run").Int("started_at_ms") + 300_000);

        before = Clock.NowMs();
        var oneMinute = await Api.ClaimOneAsync(pipeline.WorkRole, ttl: 60_000);
        after = Clock.NowMs();
        oneMinute.ExpiresAtMs.Should().BeInRange(before + 60_000, after + 60_000);
        oneMinute.ExpiresAtMs.Should().Be(oneMinute.Body.GetProperty("run").Int("started_at_ms") + 60_000);
    }

    /// <summary>Product decision (W16): lease_ttl_ms is clamped to [1000, 86400000].</summary>
    [Fact]
    public async Task LeaseTtlIsClampedBetweenOneSecondAndOneDay()
    {
        var pipeline = await Api.CreatePipelineAsync();
        for (var i = 0; i < 4; i++) await Api.CreateTaskAsync(pipeline.Id);

        foreach (var (ttl, granted) in new[] { (0L, 1_000L), (-5_000L, 1_000L), (10L, 1_000L), (999_999_999_999L, 86_400_000L) })
        {
            var lease = await Api.ClaimOneAsync(pipeline.WorkRole, ttl: ttl);
            var started = lease.Body.GetProperty("run").Int("started_at_ms");
            lease.ExpiresAtMs.Should().Be(started + granted, "lease_ttl_ms {0} is clamped to {1}", ttl, granted);
        }
    }

    [Fact]
    public async Task Item065_ClaimedRunIsRunningAttempt1WithAgentFromRequest()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var taskId = await Api.CreateTaskAsync(pipeline.Id);
        var before = Clock.NowMs();
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole, agent: "agent-65");
        var run = lease.Body.GetProperty("run");
        run.Str("status").Should().Be("running");
        run.Int("attempt").Should().Be(1);
        run.GetProperty("ended_at_ms").ValueKind.Should().Be(JsonValueKind.Null);
        run.Str("agent_id").Should().Be("agent-65");
        run.Str("agent_role").Should().Be(pipeline.WorkRole);
        run.Str("task_id").Should().Be(taskId);
        run.Int("started_at_ms").Should().BeInRange(before, Clock.NowMs());
    }

    [Fact]
    public async Task Item066_ClaimPicksHighestPriorityThenOldest()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var lowOld = await CreateAfterClockTick(pipeline.Id, 1);
        var highOld = await CreateAfterClockTick(pipeline.Id, 5);
        var highNew = await CreateAfterClockTick(pipeline.Id, 5);
        var mid = await CreateAfterClockTick(pipeline.Id, 3);
        var negative = await CreateAfterClockTick(pipeline.Id, -2);

        var order = new List<string>();
        for (var i = 0; i < 5; i++) order.Add((await Api.ClaimOneAsync(pipeline.WorkRole)).TaskId);
        order.Should().Equal(highOld, highNew, mid, lowOld, negative);
        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull();
    }

    /// <summary>§7.3: heartbeats, events, assignments and dependency edits leave task_version and updated_at_ms alone.</summary>
    [Fact]
    public async Task LeaseActivityAssignmentsAndDependencyEditsDoNotTouchTheTaskRow()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var upstream = await Api.CreateTaskAsync(pipeline.Id);
        var id = await Api.CreateTaskAsync(pipeline.Id, new { priority = 9 });
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        lease.TaskId.Should().Be(id);
        var before = await Api.GetTaskAsync(id);
        await Clock.PassAsync(before.Int("updated_at_ms"));

        Expect.Status(await Api.HeartbeatAsync(lease), 200);
        Expect.Status(await Api.AppendEventAsync(lease, "note"), 201);
        Expect.Status(await Api.PostAsync($"/tasks/{id}/assignments", """{"agent_id":"x"}"""), 201);
        Expect.Status(await Api.DeleteAsync($"/tasks/{id}/assignments/x"), 200);
        Expect.Status(await Api.PostAsync($"/tasks/{id}/dependencies", $$"""{"depends_on_task_id":"{{upstream}}"}"""), 201);

        var after = await Api.GetTaskAsync(id);
        after.Int("task_version").Should().Be(before.Int("task_version"));
        after.Int("updated_at_ms").Should().Be(before.Int("updated_at_ms"));
    }

    /// <summary>
    /// Product decision: ties on priority and created_at_ms are claimed in insertion order, first in
    /// first out, as the reference's insertion-ordered tie-break did (not by random id).
    /// </summary>
    [Fact]
    public async Task ClaimTiesOnPriorityAndCreationTimeAreClaimedInInsertionOrder()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var items = new JsonArray(Enumerable.Range(0, 8).Select(_ => (JsonNode)Flow.TaskBody(pipeline.Id)).ToArray());
        var created = await Api.PostAsync("/tasks/bulk", new JsonObject { ["tasks"] = items }.ToJsonString());
        Expect.Status(created, 201);
        var expected = created.Json.GetProperty("ids").EnumerateArray().Select(e => e.GetString()).ToList();

        var order = new List<string?>();
        for (var i = 0; i < 8; i++) order.Add((await Api.ClaimOneAsync(pipeline.WorkRole)).TaskId);
        order.Should().Equal(expected);
    }

    [Fact]
    public async Task Item067_ClaimMatchesTheRoleOfTheStageWithinTheTasksOwnPipeline()
    {
        var roleA = Flow.Unique("role-a");
        var roleB = Flow.Unique("role-b");
        var pa = await Api.CreatePipelineAsync(Flow.Unique("p"), Flow.SingleStageDefinition("shared", roleA));
        var pb = await Api.CreatePipelineAsync(Flow.Unique("p"), Flow.SingleStageDefinition("shared", roleB));
        var ta = await Api.CreateTaskAsync(pa);
        var tb = await Api.CreateTaskAsync(pb, new { priority = 9 });

        (await Api.ClaimOneAsync(roleA)).TaskId.Should().Be(ta);
        (await Api.ClaimAsync(roleA)).Should().BeNull();
        (await Api.ClaimOneAsync(roleB)).TaskId.Should().Be(tb);
        (await Api.ClaimAsync(roleA.ToUpperInvariant())).Should().BeNull("roles are compared case-sensitively");
    }

    [Fact]
    public async Task Item068_TaskWithUnresolvedDependencyIsSkippedForALowerPriorityOne()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var otherRole = await Api.CreatePipelineAsync();
        var upstream = await Api.CreateTaskAsync(otherRole.Id);
        var blocked = await Api.CreateTaskAsync(pipeline.Id, new { priority = 100, dependencies = new[] { upstream } });
        var eligible = await Api.CreateTaskAsync(pipeline.Id, new { priority = 1 });

        (await Api.ClaimOneAsync(pipeline.WorkRole)).TaskId.Should().Be(eligible);
        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull();

        Expect.Status(await Api.TransitionAsync(await Api.ClaimOneAsync(otherRole.WorkRole), "finish"), 200);
        (await Api.ClaimOneAsync(pipeline.WorkRole)).TaskId.Should().Be(blocked, "its upstream task is now terminal");
    }

    [Fact]
    public async Task Item069_TwentyFiveBlockedHigherPriorityTasksDoNotHideAnEligibleOne()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var other = await Api.CreatePipelineAsync();
        var upstream = await Api.CreateTaskAsync(other.Id);
        var blocked = new JsonArray(Enumerable.Range(0, 25).Select(i => (JsonNode)Flow.TaskBody(pipeline.Id,
            new { priority = 100 + i, dependencies = new[] { upstream } })).ToArray());
        var assignedAway = new JsonArray(Enumerable.Range(0, 25).Select(i => (JsonNode)Flow.TaskBody(pipeline.Id,
            new { priority = 50 + i, assigned_agent_id = "someone-else" })).ToArray());
        Expect.Status(await Api.PostAsync("/tasks/bulk", new JsonObject { ["tasks"] = blocked }.ToJsonString()), 201);
        Expect.Status(await Api.PostAsync("/tasks/bulk", new JsonObject { ["tasks"] = assignedAway }.ToJsonString()), 201);
        var eligible = await Api.CreateTaskAsync(pipeline.Id, new { priority = 0 });

        (await Api.ClaimOneAsync(pipeline.WorkRole, agent: "me")).TaskId.Should().Be(eligible);
    }

    [Fact]
    public async Task Item070_TaskAssignedToAIsNotClaimableByBButIsByA()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var task = await Api.CreateTaskAsync(pipeline.Id, new { assigned_agent_id = "agent-a" });
        (await Api.ClaimAsync(pipeline.WorkRole, agent: "agent-b")).Should().BeNull();
        (await Api.ClaimOneAsync(pipeline.WorkRole, agent: "agent-a")).TaskId.Should().Be(task);
    }

    [Fact]
    public async Task Item071_LeasedTaskIsNotReturnedByAnotherClaim()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var task = await Api.CreateTaskAsync(pipeline.Id);
        (await Api.ClaimOneAsync(pipeline.WorkRole, agent: "a")).TaskId.Should().Be(task);
        (await Api.ClaimAsync(pipeline.WorkRole, agent: "b")).Should().BeNull();
        (await Api.ClaimAsync(pipeline.WorkRole, agent: "a")).Should().BeNull();

        // Under contention too: 20 concurrent claimers over 10 tasks get 10 distinct tasks.
        var busy = await Api.CreatePipelineAsync();
        for (var i = 0; i < 10; i++) await Api.CreateTaskAsync(busy.Id);
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Api.ClaimAsync(busy.WorkRole, agent: "racer-" + i)));
        var won = results.Where(r => r is not null).Select(r => r!.TaskId).ToList();
        won.Should().HaveCount(10).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Item072_PerStateLimitBlocksAThirdClaimUntilOneLeavesTheStage()
    {
        var stage = Flow.Unique("review");
        var role = Flow.Unique("role");
        var pipeline = await Api.CreatePipelineAsync(Flow.Unique("p"), Flow.SingleStageDefinition(stage, role));
        for (var i = 0; i < 4; i++) await Api.CreateTaskAsync(pipeline);
        var limit = new JsonObject { ["per_state"] = new JsonObject { [stage] = 2 } };

        var first = await Api.ClaimOneAsync(role, concurrency: limit);
        await Api.ClaimOneAsync(role, concurrency: limit);
        (await Api.ClaimAsync(role, concurrency: limit)).Should().BeNull("two tasks of that stage hold leases");
        (await Api.ClaimAsync(role, concurrency: new JsonObject { ["per_state"] = new JsonObject { ["elsewhere"] = 1 } }))
            .Should().NotBeNull("the limit applies only to the named stage");
        (await Api.ClaimAsync(role, concurrency: new JsonObject { ["per_state"] = new JsonObject { [stage] = 3 } }))
            .Should().BeNull("now three tasks of that stage hold leases");

        Expect.Status(await Api.TransitionAsync(first, "finish"), 200);
        (await Api.ClaimAsync(role, concurrency: new JsonObject { ["per_state"] = new JsonObject { [stage] = 3 } }))
            .Should().NotBeNull("one of the leased tasks left the stage");
    }

    [Fact]
    public async Task Item073_PerStateLimitOfZeroNegativeOrStringImposesNoLimit()
    {
        foreach (var value in new JsonNode?[] { JsonValue.Create(0), JsonValue.Create(-3), JsonValue.Create("1"), new JsonArray(), null, JsonValue.Create(true) })
        {
            await AssertNoLimitAsync(stage => new JsonObject { ["per_state"] = new JsonObject { [stage] = value?.DeepClone() } }, value?.ToJsonString() ?? "null");
        }
        // A per_state that is not an object is ignored altogether.
        foreach (var perState in new JsonNode?[] { JsonValue.Create(1), new JsonArray(1), JsonValue.Create("x") })
        {
            await AssertNoLimitAsync(_ => new JsonObject { ["per_state"] = perState?.DeepClone() }, "per_state " + perState!.ToJsonString());
        }
    }

    private async Task AssertNoLimitAsync(Func<string, JsonObject> concurrencyFor, string what)
    {
        var stage = Flow.Unique("s");
        var role = Flow.Unique("role");
        var pipeline = await Api.CreatePipelineAsync(Flow.Unique("p"), Flow.SingleStageDefinition(stage, role));
        for (var i = 0; i < 3; i++) await Api.CreateTaskAsync(pipeline);
        var limit = concurrencyFor(stage);
        for (var i = 0; i < 3; i++)
        {
            (await Api.ClaimAsync(role, concurrency: limit)).Should().NotBeNull("{0} is no limit (claim {1})", what, i + 1);
        }
    }

    /// <summary>§7.7 rule 7 / W7: the per-state count is by stage name across every pipeline.</summary>
    [Fact]
    public async Task PerStateLimitCountsLeasesOfThatStageNameInEveryPipeline()
    {
        var stage = Flow.Unique("s");
        var roleA = Flow.Unique("role-a");
        var roleB = Flow.Unique("role-b");
        var pa = await Api.CreatePipelineAsync(Flow.Unique("p"), Flow.SingleStageDefinition(stage, roleA));
        var pb = await Api.CreatePipelineAsync(Flow.Unique("p"), Flow.SingleStageDefinition(stage, roleB));
        await Api.CreateTaskAsync(pa);
        await Api.CreateTaskAsync(pb);
        var limit = new JsonObject { ["per_state"] = new JsonObject { [stage] = 1 } };

        await Api.ClaimOneAsync(roleA);
        (await Api.ClaimAsync(roleB, concurrency: limit)).Should().BeNull("a task of another pipeline in a stage of that name holds a lease");
        (await Api.ClaimAsync(roleB)).Should().NotBeNull();
    }

    /// <summary>§7.2: a terminal stage with an agent_role is claimable by that role.</summary>
    [Fact]
    public async Task TerminalStageWithAnAgentRoleIsClaimable()
    {
        var workRole = Flow.Unique("w");
        var archiveRole = Flow.Unique("archivist");
        var definition = new JsonObject
        {
            ["initial"] = "work",
            ["states"] = new JsonObject
            {
                ["work"] = new JsonObject { ["agent_role"] = workRole },
                ["archived"] = new JsonObject { ["terminal"] = true, ["agent_role"] = archiveRole },
            },
            ["transitions"] = new JsonArray { new JsonObject { ["from"] = "work", ["to"] = "archived", ["trigger"] = "finish" } },
        };
        var pipelineId = await Api.CreatePipelineAsync(Flow.Unique("p"), definition);
        var taskId = await Api.CreateTaskAsync(pipelineId);
        Expect.Status(await Api.TransitionAsync(await Api.ClaimOneAsync(workRole), "finish"), 200);

        var archive = await Api.ClaimOneAsync(archiveRole);
        archive.TaskId.Should().Be(taskId);
        archive.Body.GetProperty("task").Str("stage").Should().Be("archived");
        Expect.Error(await Api.TransitionAsync(archive, "finish"), 400, "invalid_transition");
    }

    [Fact]
    public async Task PerStateNonIntegralLimitIsTruncated()
    {
        var stage = Flow.Unique("s");
        var role = Flow.Unique("role");
        var pipeline = await Api.CreatePipelineAsync(Flow.Unique("p"), Flow.SingleStageDefinition(stage, role));
        for (var i = 0; i < 3; i++) await Api.CreateTaskAsync(pipeline);
        var limit = new JsonObject { ["per_state"] = new JsonObject { [stage] = 1.9 } };
        (await Api.ClaimAsync(role, concurrency: limit)).Should().NotBeNull();
        (await Api.ClaimAsync(role, concurrency: limit)).Should().BeNull("1.9 truncates to a limit of 1");
    }

    [Fact]
    public async Task Item074_ClaimDoesNotChangeTaskVersionOrUpdatedAt()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id);
        var before = await Api.GetTaskAsync(id);
        await Clock.PassAsync(before.Int("updated_at_ms"));

        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        var after = await Api.GetTaskAsync(id);
        after.Int("task_version").Should().Be(before.Int("task_version"));
        after.Int("updated_at_ms").Should().Be(before.Int("updated_at_ms"));
        // Every stored field as it was; only the derived status (EXTENSIONS §1) says it is leased now.
        lease.Body.GetProperty("task").Str("status").Should().Be("leased");
        Expect.SameJson(TaskPart(lease.Body.GetProperty("task"), "status"), TaskPart(before, "status"), "the claim returns the task as it was");
    }

    [Fact]
    public async Task Item075_ClaimAfterAFailedRunCreatesAttempt2()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id);
        var first = await Api.ClaimOneAsync(pipeline.WorkRole);
        first.Attempt.Should().Be(1);
        Expect.Status(await Api.FailAsync(first), 200);

        var second = await Api.ClaimOneAsync(pipeline.WorkRole);
        second.TaskId.Should().Be(id);
        second.Attempt.Should().Be(2);
        second.RunId.Should().NotBe(first.RunId);
        Expect.Status(await Api.TransitionAsync(second, "submit"), 200);
        (await Api.ClaimOneAsync(pipeline.ReviewRole)).Attempt.Should().Be(3, "attempts number the task's whole life, across stages");
    }

    private async Task<string> CreateAfterClockTick(string pipelineId, int priority)
    {
        var id = await Api.CreateTaskAsync(pipelineId, new { priority });
        var created = (await Api.GetTaskAsync(id)).Int("created_at_ms");
        await Clock.PassAsync(created);
        return id;
    }

    /// <summary>The Task fields of a task-details object (drops the details-only properties).</summary>
    private static string TaskPart(JsonElement details, params string[] alsoLeaveOut)
    {
        var node = JsonNode.Parse(details.GetRawText())!.AsObject();
        foreach (var extra in new[] { "latest_run", "dependencies", "assignments", "available_transitions", "usage_total" }.Concat(alsoLeaveOut)) node.Remove(extra);
        return node.ToJsonString();
    }
}
