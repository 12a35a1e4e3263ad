using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Operators;

/// <summary>EXTENSIONS §1 (task status and the new task fields) and §3 (delayed and draft tasks), on the wire.</summary>
public sealed class TaskStatusFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    private static void ExtendedShape(JsonElement task)
    {
        Expect.TaskShape(task);
        Expect.HasProperties(task, "status", "paused", "canceled_at_ms", "cancel_reason", "not_before_ms");
        Expect.Kind(task, "status", JsonValueKind.String);
        task.GetProperty("paused").ValueKind.Should().BeOneOf(JsonValueKind.True, JsonValueKind.False);
        Expect.Kind(task, "not_before_ms", JsonValueKind.Number);
    }

    [Fact]
    public async Task ANewTask_IsReady_WithTheNewFieldsAtTheirDefaults()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var task = await Api.GetTaskAsync(await Api.CreateTaskAsync(pipeline.Id));

        ExtendedShape(task);
        task.Str("status").Should().Be("ready");
        task.GetProperty("paused").GetBoolean().Should().BeFalse();
        task.GetProperty("canceled_at_ms").ValueKind.Should().Be(JsonValueKind.Null);
        task.GetProperty("cancel_reason").ValueKind.Should().Be(JsonValueKind.Null);
        task.Int("not_before_ms").Should().Be(0);
    }

    [Fact]
    public async Task ATaskNotBeforeAFutureTime_IsWaiting_AndNotClaimed()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var later = Clock.NowMs() + 3_600_000;
        var id = await Api.CreateTaskAsync(pipeline.Id, new { not_before_ms = later });

        var task = await Api.GetTaskAsync(id);
        task.Str("status").Should().Be("waiting");
        task.Int("not_before_ms").Should().Be(later);
        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull();
    }

    [Fact]
    public async Task ATaskNotBeforeAPastTime_IsClaimedAtOnce_AndShowsLeased()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id, new { not_before_ms = 1 });

        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        lease.TaskId.Should().Be(id);
        lease.Response.Json.GetProperty("task").Str("status").Should().Be("leased");
        (await Api.GetTaskAsync(id)).Str("status").Should().Be("leased");
    }

    [Fact]
    public async Task ADraft_CreatedPaused_IsNotClaimed_AndShowsPaused()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id, new { paused = true });

        var task = await Api.GetTaskAsync(id);
        task.Str("status").Should().Be("paused");
        task.GetProperty("paused").GetBoolean().Should().BeTrue();
        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull();
    }

    [Fact]
    public async Task BulkItems_TakeNotBeforeAndPaused_Too()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var body = $$"""
            {"tasks":[{"pipeline_id":"{{pipeline.Id}}","title":"a","description":"","paused":true},
                      {"pipeline_id":"{{pipeline.Id}}","title":"b","description":"","not_before_ms":{{Clock.NowMs() + 3_600_000}}},
                      {"pipeline_id":"{{pipeline.Id}}","title":"c","description":"","paused":false,"not_before_ms":0}]}
            """;
        var response = await Api.PostAsync("/tasks/bulk", body);
        Expect.Status(response, 201);
        var ids = response.Json.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToList();

        (await Api.GetTaskAsync(ids[0])).Str("status").Should().Be("paused");
        (await Api.GetTaskAsync(ids[1])).Str("status").Should().Be("waiting");
        (await Api.ClaimOneAsync(pipeline.WorkRole)).TaskId.Should().Be(ids[2]);
        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull();
    }

    [Fact]
    public async Task ABlockedTask_ShowsBlocked_AndAFinishedOneDone()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var upstream = await Api.CreateTaskAsync(pipeline.Id);
        var downstream = await Api.CreateTaskAsync(pipeline.Id, new { dependencies = new[] { upstream } });

        (await Api.GetTaskAsync(downstream)).Str("status").Should().Be("blocked");
        Expect.Status(await Api.TransitionAsync(await Api.ClaimOneAsync(pipeline.WorkRole), "finish"), 200);
        (await Api.GetTaskAsync(upstream)).Str("status").Should().Be("done");
        (await Api.GetTaskAsync(downstream)).Str("status").Should().Be("ready");
        var listed = await Api.AllTasksAsync(pipeline.Id);
        listed.Select(t => t.Str("status")).Should().Equal("done", "ready");
    }

    [Theory]
    [InlineData("\"not_before_ms\":-1")]
    [InlineData("\"not_before_ms\":\"soon\"")]
    [InlineData("\"not_before_ms\":\"5\"")]
    [InlineData("\"not_before_ms\":1.5")]
    [InlineData("\"not_before_ms\":true")]
    [InlineData("\"paused\":\"yes\"")]
    [InlineData("\"paused\":1")]
    public async Task AWrongTypeOrANegativeTime_Answers400InvalidRequest_AndCreatesNothing(string field)
    {
        var pipeline = await Api.CreatePipelineAsync();
        var one = $$"""{"pipeline_id":"{{pipeline.Id}}","title":"t","description":"",{{field}}}""";

        var single = await Api.PostAsync("/tasks", one);
        Expect.Error(single, 400, "invalid_request");
        single.Json.GetProperty("error").Str("message").Should().Contain(field.Split(':')[0].Trim('"'));
        var ok = $$"""{"pipeline_id":"{{pipeline.Id}}","title":"ok","description":""}""";
        Expect.Error(await Api.PostAsync("/tasks/bulk", $$"""{"tasks":[{{ok}},{{one}}]}"""), 400, "invalid_request");
        (await Api.AllTasksAsync(pipeline.Id)).Should().BeEmpty();
    }
}
