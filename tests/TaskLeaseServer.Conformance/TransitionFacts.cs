using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>§12 items 93-102: transitions (CONTRACT §7.9, §8.21).</summary>
public sealed class TransitionFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    private async Task<(Pipeline Pipeline, string TaskId, Lease Lease)> ClaimedAsync()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var taskId = await Api.CreateTaskAsync(pipeline.Id);
        return (pipeline, taskId, await Api.ClaimOneAsync(pipeline.WorkRole));
    }

    [Fact]
    public async Task Item093_ValidTransitionAnswers200WithPreviousNewStageAndTrigger()
    {
        var (_, _, lease) = await ClaimedAsync();
        var response = await Api.TransitionAsync(lease, "submit");
        Expect.Status(response, 200);
        Expect.SameJson(response.Body, """{"previous_stage":"work","new_stage":"review","trigger":"submit"}""");
    }

    [Fact]
    public async Task Item094_TransitionMovesStageBumpsVersionAndClearsEligibilityAndDeadLetter()
    {
        var (_, taskId, lease) = await ClaimedAsync();
        var before = await Api.GetTaskAsync(taskId);
        await Clock.PassAsync(before.Int("updated_at_ms"));
        var start = Clock.NowMs();
        Expect.Status(await Api.TransitionAsync(lease, "submit"), 200);

        var after = await Api.GetTaskAsync(taskId);
        after.Str("stage").Should().Be("review");
        after.Int("task_version").Should().Be(before.Int("task_version") + 1);
        after.Int("next_eligible_at_ms").Should().Be(0);
        after.GetProperty("dead_letter_reason").ValueKind.Should().Be(JsonValueKind.Null);
        after.Int("updated_at_ms").Should().BeInRange(start, Clock.NowMs());
        after.Int("created_at_ms").Should().Be(before.Int("created_at_ms"));
    }

    [Fact]
    public async Task Item095_TransitionCompletesTheRunAndDeletesTheLease()
    {
        var (_, taskId, lease) = await ClaimedAsync();
        var start = Clock.NowMs();
        Expect.Status(await Api.TransitionAsync(lease, "finish"), 200);

        var run = (await Api.GetTaskAsync(taskId)).GetProperty("latest_run");
        run.Str("id").Should().Be(lease.RunId);
        run.Str("status").Should().Be("completed");
        run.Int("ended_at_ms").Should().BeInRange(start, Clock.NowMs());
        Expect.Error(await Api.HeartbeatAsync(lease), 404, "not_found");
    }

    [Fact]
    public async Task Item096_TransitionEventCarriesTriggerFromToAndInstructionsWithFallbacks()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var taskId = await Api.CreateTaskAsync(pipeline.Id);
        // (role, trigger, request extra, expected event data)
        var steps = new (string Role, string Trigger, object? Extra, string Expected, string Why)[]
        {
            (pipeline.WorkRole, "submit", null, """{"trigger":"submit","from":"work","to":"review","instructions":"please review"}""", "definition instructions"),
            (pipeline.ReviewRole, "reject", null, """{"trigger":"reject","from":"review","to":"work","instructions":""}""", "no instructions anywhere"),
            (pipeline.WorkRole, "submit", new { instructions = "custom words" }, """{"trigger":"submit","from":"work","to":"review","instructions":"custom words"}""", "request instructions win"),
            (pipeline.ReviewRole, "reject", new { instructions = "redo" }, """{"trigger":"reject","from":"review","to":"work","instructions":"redo"}""", "request instructions without definition ones"),
            (pipeline.WorkRole, "submit", new { instructions = "" }, """{"trigger":"submit","from":"work","to":"review","instructions":""}""", "an empty string counts as present"),
            (pipeline.ReviewRole, "reject", null, """{"trigger":"reject","from":"review","to":"work","instructions":""}""", "no instructions anywhere"),
            (pipeline.WorkRole, "submit", new { instructions = (string?)null }, """{"trigger":"submit","from":"work","to":"review","instructions":"please review"}""", "null falls back to the definition"),
        };

        foreach (var (role, trigger, extra, expected, why) in steps)
        {
            var lease = await Api.ClaimOneAsync(role);
            Expect.Status(await Api.TransitionAsync(lease, trigger, extra), 200);
            var events = await Api.AllEventsAsync(lease.RunId);
            var transition = events.Should().ContainSingle(e => e.Str("kind") == "transition").Subject;
            transition.Str("run_id").Should().Be(lease.RunId);
            Expect.SameJson(transition.GetProperty("data").GetRawText(), expected, why);
        }
        (await Api.GetTaskAsync(taskId)).Int("task_version").Should().Be(1 + steps.Length);
    }

    /// <summary>§7.1: duplicate (from, trigger) pairs are allowed; the first in definition order wins.</summary>
    [Fact]
    public async Task DuplicateTriggerTakesTheFirstTransitionInDefinitionOrder()
    {
        var role = Flow.Unique("w");
        var definition = new JsonObject
        {
            ["initial"] = "work",
            ["states"] = new JsonObject
            {
                ["work"] = new JsonObject { ["agent_role"] = role },
                ["left"] = new JsonObject { ["terminal"] = true },
                ["right"] = new JsonObject { ["terminal"] = true },
            },
            ["transitions"] = new JsonArray
            {
                new JsonObject { ["from"] = "work", ["to"] = "left", ["trigger"] = "go", ["instructions"] = "first" },
                new JsonObject { ["from"] = "work", ["to"] = "right", ["trigger"] = "go", ["instructions"] = "second" },
            },
        };
        var pipelineId = await Api.CreatePipelineAsync(Flow.Unique("p"), definition);
        var taskId = await Api.CreateTaskAsync(pipelineId);
        Expect.SameJson((await Api.GetTaskAsync(taskId)).GetProperty("available_transitions").GetRawText(),
            """[{"trigger":"go","to":"left","required_gates":[]},{"trigger":"go","to":"right","required_gates":[]}]""");

        var lease = await Api.ClaimOneAsync(role);
        var response = await Api.TransitionAsync(lease, "go");
        Expect.Status(response, 200);
        Expect.SameJson(response.Body, """{"previous_stage":"work","new_stage":"left","trigger":"go"}""");
    }

    [Fact]
    public async Task Item097_UnknownTriggerAnswers400InvalidTransitionAndTheLeaseStaysUsable()
    {
        var (_, taskId, lease) = await ClaimedAsync();
        Expect.Error(await Api.TransitionAsync(lease, "approve"), 400, "invalid_transition");
        Expect.Error(await Api.TransitionAsync(lease, "SUBMIT"), 400, "invalid_transition");
        Expect.Status(await Api.HeartbeatAsync(lease), 200);
        (await Api.GetTaskAsync(taskId)).Int("task_version").Should().Be(1);
        Expect.Status(await Api.TransitionAsync(lease, "submit"), 200);
    }

    [Fact]
    public async Task Item098_ExpectedStageOrVersionMismatchAnswers409AndStageWinsWhenBothMismatch()
    {
        var (_, taskId, lease) = await ClaimedAsync();
        Expect.Error(await Api.TransitionAsync(lease, "submit", new { expected_stage = "review" }), 409, "expected_stage_mismatch");
        Expect.Error(await Api.TransitionAsync(lease, "submit", new { expected_task_version = 7 }), 409, "task_version_mismatch");
        Expect.Error(await Api.TransitionAsync(lease, "submit", new { expected_stage = "review", expected_task_version = 7 }), 409, "expected_stage_mismatch");
        Expect.Error(await Api.TransitionAsync(lease, "nope", new { expected_stage = "review" }), 409, "expected_stage_mismatch");

        var task = await Api.GetTaskAsync(taskId);
        task.Str("stage").Should().Be("work");
        task.Int("task_version").Should().Be(1);
        Expect.Status(await Api.HeartbeatAsync(lease), 200);
    }

    [Fact]
    public async Task Item099_ExpectedTaskVersionEqualToCurrentSucceeds()
    {
        var (pipeline, taskId, lease) = await ClaimedAsync();
        Expect.Status(await Api.TransitionAsync(lease, "submit", new { expected_stage = "work", expected_task_version = 1 }), 200);
        var review = await Api.ClaimOneAsync(pipeline.ReviewRole);
        Expect.Error(await Api.TransitionAsync(review, "approve", new { expected_task_version = 1 }), 409, "task_version_mismatch");
        var ok = await Api.TransitionAsync(review, "approve", new { expected_task_version = 2, expected_stage = "review" });
        Expect.Status(ok, 200);
        (await Api.GetTaskAsync(taskId)).Int("task_version").Should().Be(3);
    }

    [Fact]
    public async Task Item100_TransitionWithoutTriggerAnswers400InvalidJsonAfterTheLeaseCheck()
    {
        var (_, _, lease) = await ClaimedAsync();
        Expect.Error(await Api.PostAsync($"/runs/{lease.RunId}/transition", "{}", lease.Auth), 400, "invalid_json");
        Expect.Error(await Api.PostAsync($"/runs/{lease.RunId}/transition", """{"trigger":null}""", lease.Auth), 400, "invalid_json");
        Expect.Error(await Api.PostAsync($"/runs/{lease.RunId}/transition", "{}", auth: ""), 401, "unauthorized");
        Expect.Error(await Api.PostAsync($"/runs/{Guid.NewGuid()}/transition", "{}", lease.Auth), 404, "not_found");
    }

    [Fact]
    public async Task Item101_RequiredGatesAreNotEnforced()
    {
        var (pipeline, taskId, lease) = await ClaimedAsync();
        Expect.Status(await Api.TransitionAsync(lease, "submit"), 200);
        var review = await Api.ClaimOneAsync(pipeline.ReviewRole);
        Expect.Status(await Api.TransitionAsync(review, "approve"), 200);
        (await Api.GetTaskAsync(taskId)).Str("stage").Should().Be("done");
    }

    [Fact]
    public async Task Item102_TransitionAuthIs401WithoutOrWithAnotherRunsTokenAnd404AfterRelease()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(pipeline.Id);
        await Api.CreateTaskAsync(pipeline.Id);
        var mine = await Api.ClaimOneAsync(pipeline.WorkRole);
        var other = await Api.ClaimOneAsync(pipeline.WorkRole);

        Expect.Error(await Api.TransitionAsync(mine, "submit", auth: ""), 401, "unauthorized");
        Expect.Error(await Api.TransitionAsync(mine, "submit", auth: other.Auth), 401, "unauthorized");
        Expect.Status(await Api.TransitionAsync(mine, "submit"), 200);
        Expect.Error(await Api.TransitionAsync(mine, "submit"), 404, "not_found");
        Expect.Status(await Api.TransitionAsync(other, "finish"), 200);
    }
}
