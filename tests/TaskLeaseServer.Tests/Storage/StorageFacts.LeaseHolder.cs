using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// The holder's sequences (Lifecycle/LeaseHolder) over the engine: heartbeat, transition, fail, release.
public abstract partial class StorageFacts
{
    [Fact]
    public async Task AHeartbeat_ExtendsByTheGrantedTtl_OrByItsOwn()
    {
        var pid = await Pipeline();
        await OneTask(New(pid));
        var claim = await Claimed(ttlMs: 10_000);
        Advance(5_000);

        var granted = await Run(u => LeaseHolder.Heartbeat(u, claim.LeaseId, HashOf(claim), null));
        var own = await Run(u => LeaseHolder.Heartbeat(u, claim.LeaseId, HashOf(claim), 30_000));

        granted.Should().Be(Now + 10_000);
        own.Should().Be(Now + 30_000);
        (await Lease(claim.LeaseId))!.ExpiresAtMs.Should().Be(Now + 30_000);
    }

    [Fact]
    public async Task AHeartbeat_ChecksTheTokenBeforeTheExpiry()
    {
        var pid = await Pipeline();
        await OneTask(New(pid));
        var claim = await Claimed(ttlMs: 10_000);
        Advance(10_000);

        var wrong = () => Run(u => LeaseHolder.Heartbeat(u, claim.LeaseId, WrongHash(), null));
        var late = () => Run(u => LeaseHolder.Heartbeat(u, claim.LeaseId, HashOf(claim), null));

        (await wrong.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.LeaseTokenMismatch);
        (await late.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.LeaseExpired);
        (await Lease(claim.LeaseId))!.ExpiresAtMs.Should().Be(claim.ExpiresAtMs);
    }

    [Fact]
    public async Task ATransition_MovesTheStage_BumpsTheVersion_EndsTheRun_AndRecordsIt()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid));
        var claim = await Claimed();

        var result = await Transition(claim, "submit", expectedVersion: 1);

        result.Should().Be(new TransitionResult("todo", "review", "submit"));
        var task = TaskRow(id);
        task.Should().BeEquivalentTo(new { Stage = "review", TaskVersion = 2L, LeaseId = (string?)null, Role = Reviewer });
        (await RunOf(claim.Run.Id))!.Status.Should().Be("completed");
        (await Lease(claim.LeaseId)).Should().BeNull();
        var transition = EventsOf(claim.Run.Id).Should().ContainSingle().Which;
        transition.Kind.Should().Be(ServerEvents.Transition);
        transition.DataJson.Should().Be(ServerEvents.TransitionData("submit", "todo", "review", "look closely"));
        (await Claim(Worker)).Should().BeNull();
        (await Claimed(Reviewer)).Task.Id.Should().Be(id);
    }

    [Fact]
    public async Task ADependent_BecomesClaimable_WhenItsUpstreamReachesATerminalStage()
    {
        var pid = await Pipeline();
        var upstream = await OneTask(New(pid, "upstream"));
        var dependent = await OneTask(New(pid, "dependent", dependsOn: [upstream]));

        await Transition(await Claimed(Worker), "submit");
        (await Claim(Worker)).Should().BeNull("review is not terminal, so the upstream is not finished");
        await Transition(await Claimed(Reviewer), "approve");

        (await Claimed(Worker)).Task.Id.Should().Be(dependent);
        Reads.Dependencies(dependent).Should().ContainSingle().Which.Resolved.Should().BeTrue();
    }

    [Fact]
    public async Task AFailure_SchedulesARetryAfterTheDelay()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, maxAttempts: 3, retryDelayMs: 5_000));
        var claim = await Claimed();

        await Fail(claim, "it broke");

        var task = TaskRow(id);
        task.NextEligibleAtMs.Should().Be(Now + 5_000);
        task.LeaseId.Should().BeNull();
        task.Stage.Should().Be("todo");
        (await RunOf(claim.Run.Id))!.Status.Should().Be("failed");
        (await FailedAttempts(id)).Should().Be(1);
        EventsOf(claim.Run.Id).Should().ContainSingle().Which.DataJson.Should().Be(ServerEvents.RetryData(1, 5_000, Now + 5_000));
    }

    [Fact]
    public async Task AFailureAtMaxAttempts_DeadLettersIntoTheDeadLetterStage()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, maxAttempts: 2, deadLetterStage: "dead"));
        await Fail(await Claimed());
        var second = await Claimed();

        await Fail(second);

        var task = TaskRow(id);
        task.Should().BeEquivalentTo(new
        {
            Stage = "dead", DeadLetterReason = RetryDecision.Exhausted, NextEligibleAtMs = Limits.NeverEligibleMs, Terminal = true,
        });
        EventsOf(second.Run.Id).Should().ContainSingle().Which.DataJson.Should().Be(ServerEvents.DeadLetterData(RetryDecision.Exhausted, 2, "todo", "dead"));
        (await Claim(Worker)).Should().BeNull();
    }

    [Fact]
    public async Task ARelease_MakesTheTaskClaimableAtOnce_WithoutCountingAnAttempt()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, maxAttempts: 1, retryDelayMs: 60_000));
        var first = await Claimed();

        await Release(first);

        var again = await Claimed();
        again.Task.Id.Should().Be(id);
        again.Run.Attempt.Should().Be(2);
        (await FailedAttempts(id)).Should().Be(0);
        (await RunOf(first.Run.Id))!.Status.Should().Be("stale");
        EventsOf(first.Run.Id).Should().ContainSingle().Which.Kind.Should().Be(ServerEvents.LeaseReleased);
    }

    [Fact]
    public async Task ATransitionWithAStaleExpectedVersion_IsRefused_AndChangesNothing()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid));
        var claim = await Claimed();

        var stale = () => Transition(claim, "submit", expectedVersion: 7);

        (await stale.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.TaskVersionMismatch);
        TaskRow(id).Should().BeEquivalentTo(new { Stage = "todo", TaskVersion = 1L, LeaseId = claim.LeaseId });
        (await RunOf(claim.Run.Id))!.Status.Should().Be("running");
    }

    [Fact]
    public async Task ATransitionRacingAVersionChange_FailsWithAVersionMismatch_AndLeavesNothingHalfDone()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid));
        var claim = await Claimed();

        // Another writer bumps the version just after the transition read the task.
        var racing = () => Run(u =>
        {
            var unit = new VersionRacingUnit(u, id);
            var (lease, command) = LeaseHolder.Authorize(unit, claim.Run.Id, HashOf(claim),
                () => new TransitionCommand("submit", null, null, null, null));
            return LeaseHolder.Transition(unit, lease, HashOf(claim), command);
        });

        var error = (await racing.Should().ThrowAsync<DomainError>()).Which;
        error.Fault.Should().Be(Fault.TaskVersionMismatch);
        error.Message.Should().Contain("version 2, not 1");
        TaskRow(id).Should().BeEquivalentTo(new { Stage = "todo", TaskVersion = 1L, LeaseId = claim.LeaseId });
        (await RunOf(claim.Run.Id))!.Status.Should().Be("running");
        (await Lease(claim.LeaseId)).Should().NotBeNull();
        EventsOf(claim.Run.Id).Should().BeEmpty();
        (await Transition(claim, "submit")).NewStage.Should().Be("review");
    }
}
