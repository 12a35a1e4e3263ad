using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>
/// §12 items 76 and 79, on a server whose sweeper is effectively off, so an expired lease stays in
/// place long enough to be observed (CONTRACT §3.2 step 5, §7.8, §8.1).
/// </summary>
public sealed class LeaseExpiryFacts(LazySweeperServer fixture) : IClassFixture<LazySweeperServer>
{
    private Api Api => fixture.Api;

    [Fact]
    public async Task Item076_ExpiredLeaseAnswers410OnEveryLeaseRouteBeforeItIsReaped()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(pipeline.Id);
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole, ttl: 1_000);

        await Clock.PassAsync(lease.ExpiresAtMs);

        Expect.Error(await Api.HeartbeatAsync(lease), 410, "expired");
        Expect.Error(await Api.AppendEventAsync(lease, "note"), 410, "expired");
        Expect.Error(await Api.TransitionAsync(lease, "submit"), 410, "expired");
        Expect.Error(await Api.FailAsync(lease), 410, "expired");
        Expect.Error(await Api.HeartbeatAsync(lease, Api.Bearer(Flow.ForeignToken())), 401, "unauthorized");
        Expect.Error(await Api.HeartbeatAsync(lease), 410, "expired");
    }

    /// <summary>Product decision: claim never reaps; an expired lease blocks its task until the sweeper runs.</summary>
    [Fact]
    public async Task ClaimNeitherReapsNorReclaimsAnExpiredButUnsweptLease()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var taskId = await Api.CreateTaskAsync(pipeline.Id);
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole, ttl: 1_000);
        await Clock.PassAsync(lease.ExpiresAtMs);

        (await Api.ClaimAsync(pipeline.WorkRole, agent: "other")).Should().BeNull();
        Expect.Error(await Api.HeartbeatAsync(lease), 410, "expired");
        (await Api.GetTaskAsync(taskId)).GetProperty("latest_run").Str("status").Should().Be("running");
    }

    [Fact]
    public async Task Item079_HealthActiveLeasesCountsOnlyUnexpiredLeases()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(pipeline.Id);
        await Api.CreateTaskAsync(pipeline.Id);
        var baseline = (await Api.GetAsync("/health")).Json.Int("active_leases");

        // 4 s leaves room for a loaded machine between the claim and the first count.
        var shortLease = await Api.ClaimOneAsync(pipeline.WorkRole, ttl: 4_000);
        await Api.ClaimOneAsync(pipeline.WorkRole, ttl: 600_000);
        var during = (await Api.GetAsync("/health")).Json.Int("active_leases");
        Clock.NowMs().Should().BeLessThan(shortLease.ExpiresAtMs, "the first count must happen before the short lease expires");
        during.Should().Be(baseline + 2);

        await Clock.PassAsync(shortLease.ExpiresAtMs);
        (await Api.GetAsync("/health")).Json.Int("active_leases").Should().Be(baseline + 1, "the expired lease no longer counts");
    }
}

/// <summary>
/// §12 items 77 and 78 on a server with the background sweeper at its default cadence (product
/// decision W5: the sweeper, not claim, reaps expired leases and applies the retry policy).
/// </summary>
public sealed class LeaseSweeperFacts(SweepingServer fixture) : IClassFixture<SweepingServer>
{
    private static readonly TimeSpan SweepDeadline = TimeSpan.FromSeconds(6);

    private Api Api => fixture.Api;

    [Fact]
    public async Task Item077_SweeperMarksTheExpiredRunStaleAndTheOldHolderThenGets404()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var taskId = await Api.CreateTaskAsync(pipeline.Id);
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole, ttl: 1_000);

        var run = await WaitForStaleAsync(taskId);

        run.Str("id").Should().Be(lease.RunId);
        run.GetProperty("ended_at_ms").ValueKind.Should().Be(JsonValueKind.Number);
        run.Int("ended_at_ms").Should().BeGreaterThanOrEqualTo(lease.ExpiresAtMs);
        Expect.Error(await Api.HeartbeatAsync(lease), 404, "not_found");
        Expect.Error(await Api.AppendEventAsync(lease, "note"), 404, "not_found");
        Expect.Error(await Api.TransitionAsync(lease, "submit"), 404, "not_found");
        Expect.Error(await Api.FailAsync(lease), 404, "not_found");
    }

    [Fact]
    public async Task Item078_SweeperReapsWithoutClaimWritesLeaseExpiredAndAppliesRetryThenDeadLetter()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var taskId = await Api.CreateTaskAsync(pipeline.Id,
            new { retry_policy = new { max_attempts = 2, retry_delay_ms = 2_500, dead_letter_stage = "dead" } });

        // First abandoned attempt: stale, lease_expired, retry scheduled.
        var first = await Api.ClaimOneAsync(pipeline.WorkRole, ttl: 1_000);
        await WaitForStaleAsync(taskId);
        var afterFirst = await Api.GetTaskAsync(taskId);
        var events = await Api.AllEventsAsync(first.RunId);
        events.Select(e => e.Str("kind")).Should().Contain("lease_expired");
        var retry = events.Should().ContainSingle(e => e.Str("kind") == "retry_scheduled").Subject.GetProperty("data");
        retry.Str("reason").Should().Be("retry_scheduled");
        retry.Int("failed_attempts").Should().Be(1, "the abandoned attempt counts like a failure");
        retry.Int("retry_delay_ms").Should().Be(2_500);
        retry.Int("next_eligible_at_ms").Should().Be(afterFirst.Int("next_eligible_at_ms"));
        afterFirst.Int("next_eligible_at_ms").Should().BeInRange(first.ExpiresAtMs + 2_500, Clock.NowMs() + 2_500);
        afterFirst.Str("stage").Should().Be("work");
        afterFirst.Int("task_version").Should().Be(1);
        afterFirst.GetProperty("dead_letter_reason").ValueKind.Should().Be(JsonValueKind.Null);

        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull("the retry delay has not passed yet");
        var second = await Eventually.ValueAsync(() => Api.ClaimAsync(pipeline.WorkRole, ttl: 1_000), SweepDeadline, "the retry to become claimable");
        second.TaskId.Should().Be(taskId);
        second.Attempt.Should().Be(2);
        second.Body.GetProperty("run").Int("started_at_ms").Should().BeGreaterThanOrEqualTo(afterFirst.Int("next_eligible_at_ms"));

        // Second abandoned attempt exhausts max_attempts: dead-letter into "dead".
        await WaitForStaleAsync(taskId, second.RunId);
        var dead = await Api.GetTaskAsync(taskId);
        dead.Str("stage").Should().Be("dead");
        dead.Int("task_version").Should().Be(2);
        dead.Str("dead_letter_reason").Should().Be("max_attempts_exceeded");
        dead.Int("next_eligible_at_ms").Should().Be(9_223_372_036_854_775_000);
        var secondEvents = await Api.AllEventsAsync(second.RunId);
        secondEvents.Select(e => e.Str("kind")).Should().Contain("lease_expired");
        var deadLetter = secondEvents.Should().ContainSingle(e => e.Str("kind") == "dead_letter").Subject.GetProperty("data");
        Expect.SameJson(deadLetter.GetRawText(),
            """{"reason":"max_attempts_exceeded","failed_attempts":2,"from_stage":"work","dead_letter_stage":"dead"}""");
        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull();
    }

    /// <summary>W5 + W8: the sweeper judges the lease by its current expiry, which a heartbeat moved.</summary>
    [Fact]
    public async Task HeartbeatKeepsAShortLeaseAliveThroughSweeps()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var taskId = await Api.CreateTaskAsync(pipeline.Id);
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole, ttl: 2_000);
        var until = lease.ExpiresAtMs + 2_500; // at least two sweeps after the claimed expiry
        while (Clock.NowMs() < until)
        {
            Expect.Status(await Api.HeartbeatAsync(lease), 200);
            await Clock.PassAsync(Math.Min(until, Clock.NowMs() + 500));
        }

        (await Api.GetTaskAsync(taskId)).GetProperty("latest_run").Str("status").Should().Be("running");
        Expect.Status(await Api.HeartbeatAsync(lease), 200);
        Expect.Status(await Api.TransitionAsync(lease, "finish"), 200);
    }

    /// <summary>Polls task details until the latest run (optionally a given one) is stale.</summary>
    private async Task<JsonElement> WaitForStaleAsync(string taskId, string? runId = null)
    {
        JsonElement run = default;
        await Eventually.TrueAsync(async () =>
        {
            run = (await Api.GetTaskAsync(taskId)).GetProperty("latest_run").Clone();
            return run.Str("status") == "stale" && (runId is null || run.Str("id") == runId);
        }, SweepDeadline, $"the sweeper to mark the run of task {taskId} stale");
        return run;
    }
}
