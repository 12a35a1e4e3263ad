using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

public sealed class RetryFacts
{
    [Fact]
    public async Task Fail_SchedulesARetryAfterTheDelay()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid, "\"retry_policy\":{\"retry_delay_ms\":60000}");
        var lease = (await server.Http.Claim("coder"))!;
        var failedAt = server.Now;
        (await server.Http.Fail(lease)).Expect(HttpStatusCode.OK).Str("status").Should().Be("failed");

        var evt = (await server.Http.Events(lease.RunId)).Single(e => e.GetProperty("kind").GetString() == "retry_scheduled");
        evt.GetProperty("data").GetRawText().Should().Be(
            $$"""{"reason":"retry_scheduled","failed_attempts":1,"retry_delay_ms":60000,"next_eligible_at_ms":{{failedAt + 60000}}}""");
        (await server.Http.Task(task)).GetProperty("next_eligible_at_ms").GetInt64().Should().Be(failedAt + 60000);

        server.Advance(59_999);
        (await server.Http.Claim("coder")).Should().BeNull();
        server.Advance(1);
        var retry = (await server.Http.Claim("coder"))!;
        retry.TaskId.Should().Be(task);
        retry.Attempt.Should().Be(2);
    }

    [Fact]
    public async Task Fail_DeadLettersWhenAttemptsRunOut_IntoTheDeadLetterStage()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid, "\"retry_policy\":{\"max_attempts\":2,\"dead_letter_stage\":\"dead\"}");
        await server.Http.Fail((await server.Http.Claim("coder"))!);
        var second = (await server.Http.Claim("coder"))!;
        await server.Http.Fail(second);

        var after = await server.Http.Task(task);
        after.GetProperty("stage").GetString().Should().Be("dead");
        after.GetProperty("task_version").GetInt64().Should().Be(2);
        after.GetProperty("dead_letter_reason").GetString().Should().Be("max_attempts_exceeded");
        after.GetProperty("next_eligible_at_ms").GetInt64().Should().Be(9223372036854775000);
        var evt = (await server.Http.Events(second.RunId)).Single(e => e.GetProperty("kind").GetString() == "dead_letter");
        evt.GetProperty("data").GetRawText().Should().Be(
            """{"reason":"max_attempts_exceeded","failed_attempts":2,"from_stage":"todo","dead_letter_stage":"dead"}""");
        (await server.Http.Claim("coder")).Should().BeNull();
    }

    [Fact]
    public async Task Fail_WithAnUnknownDeadLetterStage_KeepsTheStage()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid, "\"retry_policy\":{\"max_attempts\":1,\"dead_letter_stage\":\"nowhere\"}");
        var lease = (await server.Http.Claim("coder"))!;
        await server.Http.Fail(lease);
        var after = await server.Http.Task(task);
        after.GetProperty("stage").GetString().Should().Be("todo");
        after.GetProperty("task_version").GetInt64().Should().Be(1);
        after.GetProperty("dead_letter_reason").GetString().Should().Be("max_attempts_exceeded");
        (await server.Http.Events(lease.RunId)).Single(e => e.GetProperty("kind").GetString() == "dead_letter")
            .GetProperty("data").GetProperty("dead_letter_stage").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task FailedAttempts_CountAcrossStages()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid, "\"retry_policy\":{\"max_attempts\":2,\"dead_letter_stage\":\"dead\"}");
        await server.Http.Fail((await server.Http.Claim("coder"))!);
        await server.Http.Transition((await server.Http.Claim("coder"))!, "submit");
        await server.Http.Fail((await server.Http.Claim("reviewer"))!);
        (await server.Http.Task(task)).GetProperty("stage").GetString().Should().Be("dead");
    }

    [Fact]
    public async Task Sweeper_ReapsAnExpiredLease_AndCountsItAsAFailedAttempt()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid, "\"retry_policy\":{\"max_attempts\":2,\"retry_delay_ms\":1000,\"dead_letter_stage\":\"dead\"}");

        var first = (await server.Http.Claim("coder", extra: "\"lease_ttl_ms\":5000"))!;
        server.Advance(5000);
        (await server.Http.Post($"/leases/{first.LeaseId}/heartbeat", "{}", first.Token)).ExpectError(HttpStatusCode.Gone, "expired");
        (await server.Sweep()).Should().Be(1);

        var run = (await server.Http.Task(task)).GetProperty("latest_run");
        run.GetProperty("status").GetString().Should().Be("stale");
        run.GetProperty("ended_at_ms").GetInt64().Should().Be(server.Now);
        var kinds = (await server.Http.Events(first.RunId)).Select(e => e.GetProperty("kind").GetString()).ToList();
        kinds.Should().Equal("lease_expired", "retry_scheduled");
        (await server.Http.Post($"/leases/{first.LeaseId}/heartbeat", "{}", first.Token)).ExpectError(HttpStatusCode.NotFound, "not_found");
        (await server.Http.Get("/health")).Long("active_leases").Should().Be(0);

        (await server.Http.Claim("coder")).Should().BeNull("the retry delay has not passed");
        server.Advance(1000);
        var second = (await server.Http.Claim("coder", extra: "\"lease_ttl_ms\":5000"))!;
        second.Attempt.Should().Be(2);
        server.Advance(5000);
        await server.Sweep();

        var dead = await server.Http.Task(task);
        dead.GetProperty("stage").GetString().Should().Be("dead");
        dead.GetProperty("dead_letter_reason").GetString().Should().Be("max_attempts_exceeded");
        (await server.Http.Events(second.RunId)).Select(e => e.GetProperty("kind").GetString()).Should().Equal("lease_expired", "dead_letter");
    }

    [Fact]
    public async Task Sweeper_MakesDelayedTasksReadyAgain()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid, "\"retry_policy\":{\"retry_delay_ms\":10000}");
        await server.Http.Fail((await server.Http.Claim("coder"))!);
        server.Advance(10_000);
        await server.Sweep();
        (await server.Http.Claim("coder"))!.TaskId.Should().Be(task);
    }
}
