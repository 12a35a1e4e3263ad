using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>§12 items 103-113: fail, retry and dead-letter (CONTRACT §7.10, §8.22).</summary>
public sealed class FailFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private const long NeverEligible = 9_223_372_036_854_775_000;

    private Api Api => fixture.Api;

    private async Task<(Pipeline Pipeline, string TaskId, Lease Lease)> ClaimedAsync(object? retryPolicy = null)
    {
        var pipeline = await Api.CreatePipelineAsync();
        var taskId = await Api.CreateTaskAsync(pipeline.Id, retryPolicy is null ? null : new { retry_policy = retryPolicy });
        return (pipeline, taskId, await Api.ClaimOneAsync(pipeline.WorkRole));
    }

    [Fact]
    public async Task Item103_FailAnswers200FailedAndTheRunBecomesFailed()
    {
        var (_, taskId, lease) = await ClaimedAsync();
        var start = Clock.NowMs();
        var response = await Api.FailAsync(lease, "it broke");
        Expect.Status(response, 200);
        Expect.SameJson(response.Body, """{"status":"failed"}""");

        var run = (await Api.GetTaskAsync(taskId)).GetProperty("latest_run");
        run.Str("id").Should().Be(lease.RunId);
        run.Str("status").Should().Be("failed");
        run.Int("ended_at_ms").Should().BeInRange(start, Clock.NowMs());
        Expect.LacksProperty(run, "error_text");
    }

    [Fact]
    public async Task Item104_FailWithoutErrorAnswers400InvalidJson()
    {
        var (_, taskId, lease) = await ClaimedAsync();
        foreach (var body in new[] { "{}", """{"message":"x"}""", """{"error":null}""", """{"error":5}""" })
        {
            Expect.Error(await Api.PostAsync($"/runs/{lease.RunId}/fail", body, lease.Auth), 400, "invalid_json");
        }
        (await Api.GetTaskAsync(taskId)).GetProperty("latest_run").Str("status").Should().Be("running");
        Expect.Status(await Api.HeartbeatAsync(lease), 200);
    }

    [Fact]
    public async Task Item105_FailWithoutMaxAttemptsSchedulesARetryWithItsEvent()
    {
        var (_, taskId, lease) = await ClaimedAsync(new { retry_delay_ms = 500 });
        var before = await Api.GetTaskAsync(taskId);
        var start = Clock.NowMs();
        Expect.Status(await Api.FailAsync(lease), 200);
        var end = Clock.NowMs();

        var task = await Api.GetTaskAsync(taskId);
        task.Int("next_eligible_at_ms").Should().BeInRange(start + 500, end + 500);
        task.Int("updated_at_ms").Should().BeInRange(start, end);
        task.Str("stage").Should().Be("work");
        task.Int("task_version").Should().Be(before.Int("task_version"));
        task.GetProperty("dead_letter_reason").ValueKind.Should().Be(JsonValueKind.Null);

        var events = await Api.AllEventsAsync(lease.RunId);
        var retry = events.Should().ContainSingle(e => e.Str("kind") == "retry_scheduled").Subject;
        retry.Int("ts_ms").Should().BeInRange(start, end);
        Expect.SameJson(retry.GetProperty("data").GetRawText(),
            $$"""{"reason":"retry_scheduled","failed_attempts":1,"retry_delay_ms":500,"next_eligible_at_ms":{{task.Int("next_eligible_at_ms")}}}""");
    }

    [Fact]
    public async Task Item106_WithZeroRetryDelayTheTaskIsClaimableRightAfterFail()
    {
        var (pipeline, taskId, lease) = await ClaimedAsync(new { retry_delay_ms = 0 });
        Expect.Status(await Api.FailAsync(lease), 200);
        var again = await Api.ClaimOneAsync(pipeline.WorkRole);
        again.TaskId.Should().Be(taskId);
        again.Attempt.Should().Be(2);
    }

    [Fact]
    public async Task Item107_With60SecondRetryDelayTheTaskIsNotClaimableUntil60SecondsAfterFail()
    {
        var (pipeline, taskId, lease) = await ClaimedAsync(new { retry_delay_ms = 60_000 });
        var start = Clock.NowMs();
        Expect.Status(await Api.FailAsync(lease), 200);
        var end = Clock.NowMs();

        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull("the retry delay has not passed");
        var task = await Api.GetTaskAsync(taskId);
        task.Int("next_eligible_at_ms").Should().BeInRange(start + 60_000, end + 60_000);
        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull("the retry delay has not passed");
    }

    [Fact]
    public async Task Item108_ReachingMaxAttemptsDeadLettersIntoAValidDeadLetterStage()
    {
        var (_, taskId, lease) = await ClaimedAsync(new { max_attempts = 1, dead_letter_stage = "dead" });
        var start = Clock.NowMs();
        Expect.Status(await Api.FailAsync(lease), 200);

        var task = await Api.GetTaskAsync(taskId);
        task.Str("stage").Should().Be("dead");
        task.Int("task_version").Should().Be(2);
        task.Str("dead_letter_reason").Should().Be("max_attempts_exceeded");
        task.Int("next_eligible_at_ms").Should().Be(NeverEligible);
        task.Int("updated_at_ms").Should().BeInRange(start, Clock.NowMs());
        task.GetProperty("latest_run").Str("status").Should().Be("failed");
    }

    [Fact]
    public async Task Item109_DeadLetterAppendsADeadLetterEvent()
    {
        var (_, _, lease) = await ClaimedAsync(new { max_attempts = 1, dead_letter_stage = "dead" });
        Expect.Status(await Api.FailAsync(lease), 200);

        var events = await Api.AllEventsAsync(lease.RunId);
        events.Select(e => e.Str("kind")).Should().NotContain("retry_scheduled");
        var deadLetter = events.Should().ContainSingle(e => e.Str("kind") == "dead_letter").Subject;
        Expect.SameJson(deadLetter.GetProperty("data").GetRawText(),
            """{"reason":"max_attempts_exceeded","failed_attempts":1,"from_stage":"work","dead_letter_stage":"dead"}""");
    }

    [Fact]
    public async Task Item110_DeadLetterWithAnUnknownStageKeepsStageAndVersion()
    {
        foreach (var policy in new object[] { new { max_attempts = 1, dead_letter_stage = "nowhere" }, new { max_attempts = 1 } })
        {
            var (_, taskId, lease) = await ClaimedAsync(policy);
            Expect.Status(await Api.FailAsync(lease), 200);

            var task = await Api.GetTaskAsync(taskId);
            task.Str("stage").Should().Be("work");
            task.Int("task_version").Should().Be(1);
            task.Str("dead_letter_reason").Should().Be("max_attempts_exceeded");
            task.Int("next_eligible_at_ms").Should().Be(NeverEligible);
            var deadLetter = (await Api.AllEventsAsync(lease.RunId)).Should().ContainSingle(e => e.Str("kind") == "dead_letter").Subject;
            Expect.SameJson(deadLetter.GetProperty("data").GetRawText(),
                """{"reason":"max_attempts_exceeded","failed_attempts":1,"from_stage":"work","dead_letter_stage":null}""");
        }
    }

    [Fact]
    public async Task Item111_DeadLetteredTaskIsNeverClaimed()
    {
        var stays = await ClaimedAsync(new { max_attempts = 1 });
        Expect.Status(await Api.FailAsync(stays.Lease), 200);
        (await Api.ClaimAsync(stays.Pipeline.WorkRole)).Should().BeNull("a dead-lettered task stays unclaimable in a claimable stage");

        var workRole = Flow.Unique("w");
        var parkRole = Flow.Unique("park");
        var definition = new JsonObject
        {
            ["initial"] = "work",
            ["states"] = new JsonObject
            {
                ["work"] = new JsonObject { ["agent_role"] = workRole },
                ["parked"] = new JsonObject { ["agent_role"] = parkRole },
                ["done"] = new JsonObject { ["terminal"] = true },
            },
            ["transitions"] = new JsonArray
            {
                new JsonObject { ["from"] = "work", ["to"] = "done", ["trigger"] = "finish" },
                new JsonObject { ["from"] = "parked", ["to"] = "done", ["trigger"] = "finish" },
            },
        };
        var pipelineId = await Api.CreatePipelineAsync(Flow.Unique("p"), definition);
        var taskId = await Api.CreateTaskAsync(pipelineId, new { retry_policy = new { max_attempts = 1, dead_letter_stage = "parked" } });
        Expect.Status(await Api.FailAsync(await Api.ClaimOneAsync(workRole)), 200);
        (await Api.GetTaskAsync(taskId)).Str("stage").Should().Be("parked");
        (await Api.ClaimAsync(parkRole)).Should().BeNull("a dead-lettered task is not claimable even where its stage has a role");
        (await Api.ClaimAsync(workRole)).Should().BeNull();
    }

    [Fact]
    public async Task Item112_FailedAttemptsCountFailuresAcrossStages()
    {
        var (pipeline, _, first) = await ClaimedAsync(new { max_attempts = 3 });
        Expect.Status(await Api.FailAsync(first), 200);
        var second = await Api.ClaimOneAsync(pipeline.WorkRole);
        Expect.Status(await Api.TransitionAsync(second, "submit"), 200);
        var third = await Api.ClaimOneAsync(pipeline.ReviewRole);
        Expect.Status(await Api.FailAsync(third), 200);

        var retry = (await Api.AllEventsAsync(third.RunId)).Should().ContainSingle(e => e.Str("kind") == "retry_scheduled").Subject;
        retry.GetProperty("data").Int("failed_attempts").Should().Be(2, "the failure in stage work counts too; the completed run does not");
    }

    [Fact]
    public async Task Item113_FailDeletesTheLeaseSoASecondFailAnswers404()
    {
        var (_, _, lease) = await ClaimedAsync();
        Expect.Status(await Api.FailAsync(lease), 200);
        Expect.Error(await Api.FailAsync(lease), 404, "not_found");
        Expect.Error(await Api.HeartbeatAsync(lease), 404, "not_found");
    }
}
