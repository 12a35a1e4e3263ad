using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// The operator actions of EXTENSIONS §7 (Lifecycle/Operators) over the engine: cancel, requeue,
// pause/resume, edit, delete and dependency removal, and what a holder whose lease they revoke sees.
public abstract partial class StorageFacts
{
    private const string Op = "ops-team";

    private Task<TaskRow> Cancel(string id, string? reason = null, string? stage = null) =>
        Run(u => Operators.Cancel(u, id, new CancelCommand(reason, stage), Op));

    private Task<TaskRow> Requeue(string id, string? stage = null, bool reset = true, bool force = false) =>
        Run(u => Operators.Requeue(u, id, new RequeueCommand(stage, reset, force), Op));

    private Task<TaskRow> Pause(string id, string? reason = null, bool revoke = false) =>
        Run(u => Operators.Pause(u, id, reason, revoke, Op));

    private Task<TaskRow> Resume(string id) => Run(u => Operators.Resume(u, id, Op));

    private static async Task<DomainError> Refused(Func<Task> act, Fault fault)
    {
        var error = (await act.Should().ThrowAsync<DomainError>()).Which;
        error.Fault.Should().Be(fault, error.Message);
        return error;
    }

    private Task<DomainError> HolderIsRevoked(ClaimResult claim, Func<Task> act) => Refused(act, Fault.LeaseRevoked);

    private Task<bool> AppendAsHolder(ClaimResult claim) =>
        Run(u =>
        {
            var (lease, _) = LeaseHolder.Authorize(u, claim.Run.Id, HashOf(claim), () => true);
            LeaseHolder.AppendEvent(u, lease, HashOf(claim), "progress", "{}");
            return true;
        });

    [Fact]
    public async Task Cancel_RevokesALiveLease_AndTheHolderCanChangeNothing()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid));
        var claim = await Claimed();

        var canceled = await Cancel(id, "not needed");

        canceled.CanceledAtMs.Should().Be(Now);
        canceled.CancelReason.Should().Be("not needed");
        canceled.LeaseId.Should().BeNull();
        TaskStatusRule.Of(TaskRow(id).State(Now), Now).Should().Be("canceled");
        (await RunOf(claim.Run.Id))!.Status.Should().Be("canceled");
        (await Lease(claim.LeaseId)).Should().BeNull();

        var heartbeat = await HolderIsRevoked(claim, () => Run(u => LeaseHolder.Heartbeat(u, claim.LeaseId, HashOf(claim), null)));
        heartbeat.Message.Should().Contain("canceled");
        await HolderIsRevoked(claim, () => Transition(claim, "submit"));
        await HolderIsRevoked(claim, () => Fail(claim));
        await HolderIsRevoked(claim, () => AppendAsHolder(claim));
        await HolderIsRevoked(claim, () => Release(claim));
        await Refused(() => Run(u => LeaseHolder.Heartbeat(u, claim.LeaseId, WrongHash(), null)), Fault.LeaseTokenMismatch);

        TaskRow(id).Should().BeEquivalentTo(new { Stage = "todo", TaskVersion = 1L, LeaseId = (string?)null });
        (await FailedAttempts(id)).Should().Be(0);
        EventsOf(claim.Run.Id).Select(e => e.Kind).Should().Equal(ServerEvents.LeaseRevoked, ServerEvents.Canceled);
        EventsOf(claim.Run.Id).Should().AllSatisfy(e => e.DataJson.Should().Contain("\"actor\":\"ops-team\""));
        (await Claim()).Should().BeNull();
        Advance(86_400_000);
        await Sweep();
        (await Claim()).Should().BeNull();
    }

    [Fact]
    public async Task Cancel_OfACanceledTask_ChangesNothing_AndANeverRunTaskTakesTheEventItself()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid));
        var first = await Cancel(id, "once");
        Advance(1_000);

        var second = await Cancel(id, "twice");

        second.CanceledAtMs.Should().Be(first.CanceledAtMs);
        second.CancelReason.Should().Be("once");
        second.UpdatedAtMs.Should().Be(first.UpdatedAtMs);
    }

    [Fact]
    public async Task Cancel_IntoATerminalStage_ResolvesDependents_WithoutOneTheyStayBlocked()
    {
        var pid = await Pipeline();
        var a = await OneTask(New(pid, "a"));
        var b = await OneTask(New(pid, "b"));
        var afterA = await OneTask(New(pid, "after a", dependsOn: [a]));
        var afterB = await OneTask(New(pid, "after b", dependsOn: [b]));

        var moved = await Cancel(a, stage: "dead");
        await Cancel(b);

        moved.Should().BeEquivalentTo(new { Stage = "dead", TaskVersion = 2L });
        TaskRow(afterA).BlockedDeps.Should().Be(0);
        TaskRow(afterB).BlockedDeps.Should().Be(1);
        (await Claimed()).Task.Id.Should().Be(afterA);
        (await Claim()).Should().BeNull();
        await Refused(() => Cancel(afterB, stage: "review"), Fault.InvalidStage);
        await Refused(() => Cancel("no-such-task"), Fault.NoSuchTask);
    }

    [Fact]
    public async Task Requeue_OfADeadLetter_GivesItItsFullMaxAttemptsAgain_AndKeepsItsHistory()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, maxAttempts: 2));
        await Fail(await Claimed());
        await Fail(await Claimed());
        TaskRow(id).DeadLetterReason.Should().NotBeNull();

        var requeued = await Requeue(id);

        requeued.DeadLetterReason.Should().BeNull();
        requeued.NextEligibleAtMs.Should().Be(0);
        (await FailedAttempts(id)).Should().Be(0);
        var third = await Claimed();
        third.Run.Attempt.Should().Be(3, "attempts number the task's whole life");
        await Fail(third);
        TaskRow(id).DeadLetterReason.Should().BeNull("one failure of a fresh two");
        await Fail(await Claimed());
        TaskRow(id).DeadLetterReason.Should().Be(RetryDecision.Exhausted);
        (await FailedAttempts(id)).Should().Be(2);
    }

    [Fact]
    public async Task Requeue_WithoutReset_KeepsCountingTheOldFailures()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, maxAttempts: 1));
        await Fail(await Claimed());

        await Requeue(id, reset: false);

        (await FailedAttempts(id)).Should().Be(1);
        await Fail(await Claimed());
        TaskRow(id).DeadLetterReason.Should().NotBeNull("the first failure after the requeue already reaches max_attempts");
    }

    [Fact]
    public async Task Requeue_OfALeasedTask_IsRefused_UnlessForced_AndTheRevokedRunIsNoFailure()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, maxAttempts: 1));
        var claim = await Claimed();

        await Refused(() => Requeue(id), Fault.TaskLeased);
        var requeued = await Requeue(id, force: true);

        requeued.LeaseId.Should().BeNull();
        (await RunOf(claim.Run.Id))!.Status.Should().Be("revoked");
        (await FailedAttempts(id)).Should().Be(0);
        (await HolderIsRevoked(claim, () => Fail(claim))).Message.Should().Contain("requeued");
        var next = await Claimed(agent: "agent-2");
        next.Task.Id.Should().Be(id);
        next.Run.Attempt.Should().Be(2);
    }

    [Fact]
    public async Task Requeue_IntoAnotherStage_MovesIt_AndBumpsTheVersion_ButOnlyIntoAWorkedStage()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid));
        await Cancel(id);

        var moved = await Requeue(id, stage: "review");

        moved.Should().BeEquivalentTo(new { Stage = "review", TaskVersion = 2L, CanceledAtMs = (long?)null, Role = Reviewer });
        (await Claimed(Reviewer)).Task.Id.Should().Be(id);
        var other = await OneTask(New(pid));
        await Refused(() => Requeue(other, stage: "parked"), Fault.InvalidStage);
        await Refused(() => Requeue(other, stage: "nowhere"), Fault.InvalidStage);
        TaskRow(other).Stage.Should().Be("todo");
    }

    [Fact]
    public async Task Requeue_OfAWaitingTask_MakesItClaimableNow()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, maxAttempts: 5, retryDelayMs: 60_000) with { NotBeforeMs = 0 });
        await Fail(await Claimed());
        var later = await OneTask(New(pid) with { NotBeforeMs = Now + 60_000 });
        (await Claim()).Should().BeNull();

        await Requeue(id);
        await Requeue(later);

        (await Claimed()).Task.Id.Should().Be(id);
        (await Claimed()).Task.Id.Should().Be(later);
    }

    [Fact]
    public async Task Pause_StopsClaims_ButTheHolderWorksOn_UnlessTheLeaseIsRevoked()
    {
        var pid = await Pipeline();
        var held = await OneTask(New(pid, "held"));
        var claim = await Claimed();
        var idle = await OneTask(New(pid, "idle"));

        var paused = await Pause(idle, "incident");
        await Pause(held);

        paused.Should().BeEquivalentTo(new { Paused = true, PauseReason = "incident" });
        (await Claim()).Should().BeNull();
        await Run(u => LeaseHolder.Heartbeat(u, claim.LeaseId, HashOf(claim), null));
        await Transition(claim, "submit");
        (await Claim(Reviewer)).Should().BeNull("a paused task stays paused in its next stage");
        await Resume(held);
        (await Claimed(Reviewer)).Task.Id.Should().Be(held);

        await Resume(idle);
        TaskRow(idle).Should().BeEquivalentTo(new { Paused = false, PauseReason = (string?)null });
        var again = await Claimed();
        again.Task.Id.Should().Be(idle);

        await Pause(idle, revoke: true);
        (await HolderIsRevoked(again, () => Transition(again, "submit"))).Message.Should().Contain("paused");
        (await RunOf(again.Run.Id))!.Status.Should().Be("revoked");
        (await Claim()).Should().BeNull();
    }

    [Fact]
    public async Task Edit_ChangesTheFields_AndUpdatedAt_NotTheVersion()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, "old", maxAttempts: 3));
        Advance(1_000);

        var edited = await Run(u => Operators.Edit(u, id, new TaskEdit("new", "more", 7, """{"k":1}""", null,
            new RetryEdit(true, null, 500, true, "dead")), 1, Op, ["title"]));

        edited.Should().BeEquivalentTo(new
        {
            Title = "new", Description = "more", Priority = 7L, MetadataJson = """{"k":1}""", MaxAttempts = (long?)null,
            RetryDelayMs = 500L, DeadLetterStage = "dead", TaskVersion = 1L, UpdatedAtMs = Now,
        });
        await Refused(() => Run(u => Operators.Edit(u, id, new TaskEdit("x", null, null, null, null, null), 2, Op, ["title"])),
            Fault.TaskVersionMismatch);
        TaskRow(id).Title.Should().Be("new");
    }

    [Fact]
    public async Task Edit_OfNotBefore_DelaysOrFreesTheTask_EvenWhileItIsLeased()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid));
        var claim = await Claimed();
        TaskEdit Later(long at) => new(null, null, null, null, at, null);

        await Run(u => Operators.Edit(u, id, Later(Now + 10_000), null, Op, ["not_before_ms"]));
        await Release(claim);
        (await Claim()).Should().BeNull("the new not-before time holds once the lease ends");
        await Run(u => Operators.Edit(u, id, Later(0), null, Op, ["not_before_ms"]));
        (await Claimed()).Task.Id.Should().Be(id);
    }

    [Fact]
    public async Task Delete_RemovesEverything_AndFreesItsDependents()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, "doomed", maxAttempts: 5, assignee: Agent));
        var dependent = await OneTask(New(pid, "dependent", dependsOn: [id]));
        await Fail(await Claimed());
        await Cancel(id);
        await Run(u => { Creation.Artifact(u, new NewArtifact("log", "s3://x", id, null, null, null, "{}")); return true; });
        var before = Reads.Health(Now).Stages.Single(s => s.Stage == "todo").Count;

        await Run(u => { Operators.Delete(u, id, false, Op); return true; });

        Reads.TaskDetails(id).Should().BeNull();
        Reads.Dependencies(dependent).Should().BeEmpty();
        Reads.Assignments(id).Should().BeEmpty();
        Reads.Health(Now).Stages.Single(s => s.Stage == "todo").Count.Should().Be(before - 1);
        (await Claimed()).Task.Id.Should().Be(dependent);
        await Refused(() => Run(u => { Operators.Delete(u, id, false, Op); return true; }), Fault.NoSuchTask);
    }

    [Fact]
    public async Task Delete_OfALeasedTask_IsRefused_UnlessForced_ThenItsHolderIsRevoked()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid));
        var claim = await Claimed();

        await Refused(() => Run(u => { Operators.Delete(u, id, false, Op); return true; }), Fault.TaskLeased);
        await Run(u => { Operators.Delete(u, id, true, Op); return true; });

        Reads.TaskDetails(id).Should().BeNull();
        (await HolderIsRevoked(claim, () => Run(u => LeaseHolder.Heartbeat(u, claim.LeaseId, HashOf(claim), null))))
            .Message.Should().Contain("deleted");
        await HolderIsRevoked(claim, () => Transition(claim, "submit"));
    }

    [Fact]
    public async Task RemovingADependency_UnblocksTheTask_AndAMissingEdgeIsNotFound()
    {
        var pid = await Pipeline();
        var done = await OneTask(New(pid, "done"));
        await Transition(await Claimed(), "submit");
        await Transition(await Claimed(Reviewer), "approve");
        var upstream = await OneTask(New(pid, "up"));
        var id = await OneTask(New(pid, "down", priority: 9, dependsOn: [upstream, done]));
        TaskRow(id).BlockedDeps.Should().Be(1);

        await Run(u => { Operators.RemoveDependency(u, id, done, Op); return true; });
        TaskRow(id).BlockedDeps.Should().Be(1, "the removed edge was already resolved");
        await Run(u => { Operators.RemoveDependency(u, id, upstream, Op); return true; });

        TaskRow(id).BlockedDeps.Should().Be(0);
        Reads.Dependencies(id).Should().BeEmpty();
        (await Claimed()).Task.Id.Should().Be(id);
        await Refused(() => Run(u => { Operators.RemoveDependency(u, id, upstream, Op); return true; }), Fault.DependencyNotFound);
    }
}
