using System.Collections.Concurrent;
using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// The commit notice: raised inside a unit, delivered after its commit (before the unit's caller
// resumes), never for work that was undone; one wake per task that may have become claimable.
public abstract partial class StorageFacts
{
    private ConcurrentQueue<CommitNotice>? _notices;

    /// <summary>Every notice delivered from now on.</summary>
    private ConcurrentQueue<CommitNotice> Notices()
    {
        if (_notices is null)
        {
            _notices = new ConcurrentQueue<CommitNotice>();
            Signal.Committed += _notices.Enqueue;
        }
        _notices.Clear();
        return _notices;
    }

    private static List<Wake> WakesIn(IEnumerable<CommitNotice> notices) => notices.SelectMany(n => n.Wakes).ToList();

    [Fact]
    public async Task CreatingReadyTasks_WakesOncePerTask_AfterTheCommit()
    {
        var pid = await Pipeline();
        var notices = Notices();

        await Tasks(New(pid), New(pid), New(pid, assignee: "agent-9"));

        WakesIn(notices).Should().Equal(new Wake(Worker, null), new Wake(Worker, null), new Wake(Worker, "agent-9"));
        (await Claim()).Should().NotBeNull("a waiter woken by the notice finds the committed task");
    }

    [Fact]
    public async Task AUnitThatThrewAfterRaisingTheSignal_DeliversNothing()
    {
        var pid = await Pipeline();
        var notices = Notices();

        var failing = () => Run<bool>(u =>
        {
            Creation.Tasks(u, [New(pid)]);
            throw new DomainError(Fault.InvalidQuery, "changed my mind");
        });
        await failing.Should().ThrowAsync<DomainError>();

        notices.Should().BeEmpty();
    }

    [Fact]
    public async Task ANestedPartThatWasUndone_DeliversNothing_ButTheRestOfTheUnitDoes()
    {
        var pid = await Pipeline();
        var notices = Notices();

        await Run(u =>
        {
            u.Nested(() => Creation.Tasks(u, [New(pid)]), _ => false);
            u.Claimable(Reviewer);
            return true;
        });

        WakesIn(notices).Should().Equal(new Wake(Reviewer, null));
        (await Claim()).Should().BeNull();
    }

    [Fact]
    public async Task ABlockedTask_WakesNothing_UntilItsUpstreamFinishes()
    {
        var pid = await Pipeline();
        var upstream = await OneTask(New(pid));
        await Transition(await Claimed(), "submit");
        var notices = Notices();
        await OneTask(New(pid, dependsOn: [upstream], assignee: "agent-2"));
        WakesIn(notices).Should().BeEmpty();

        await Transition(await Claimed(Reviewer), "approve");

        WakesIn(notices).Should().Contain(new Wake(Worker, "agent-2"));
    }

    [Fact]
    public async Task AFailureWithARetryDelay_CarriesItsDueTime_AndPromotingItWakes()
    {
        var pid = await Pipeline();
        await OneTask(New(pid, maxAttempts: 3, retryDelayMs: 5_000));
        var failedAt = Now;
        var notices = Notices();
        await Fail(await Claimed());
        WakesIn(notices).Should().BeEmpty();
        notices.Select(n => n.DueAtMs).Should().Contain(failedAt + 5_000);
        (await Run(u => u.Tasks.NextDueAtMs())).Should().Be(failedAt + 5_000);

        Advance(4_999);
        await Run(u => { TaskLeaseServer.Lifecycle.Sweep.PromoteDue(u); return true; });
        WakesIn(notices).Should().BeEmpty();

        Advance(1);
        await Run(u => { TaskLeaseServer.Lifecycle.Sweep.PromoteDue(u); return true; });
        WakesIn(notices).Should().Equal(new Wake(Worker, null));
        (await Run(u => u.Tasks.NextDueAtMs())).Should().BeNull();
    }

    [Fact]
    public async Task AReleaseAndAReapWithoutDelay_EachWakeTheRole()
    {
        var pid = await Pipeline();
        await OneTask(New(pid, maxAttempts: 5));
        var notices = Notices();
        await Release(await Claimed());
        WakesIn(notices).Should().Equal(new Wake(Worker, null));

        await Claimed(ttlMs: 1_000);
        Advance(1_001);
        notices.Clear();
        await Sweep();
        WakesIn(notices).Should().Equal(new Wake(Worker, null));
    }

    [Fact]
    public async Task AppendingAnEvent_IsInTheNotice_WithWhatStreamFiltersMatchItOn()
    {
        var pid = await Pipeline();
        var taskId = await OneTask(New(pid));
        var claim = await Claimed();
        var notices = Notices();

        await Release(claim);
        await Run(u => u.Runs.AppendTaskEvent(taskId, "note", "{}"));

        var keys = notices.Where(n => n.Events).Select(n => n.EventKeys).ToList();
        keys.Should().HaveCount(2);
        keys[0].Should().Equal(new EventKey(claim.Run.Id, taskId, pid, Worker, "lease_released"));
        keys[1].Should().Equal(new EventKey(null, taskId, pid, null, "note"));
    }

    [Fact]
    public async Task AUnitThatAppendsManyEvents_SendsNoKeys_SoEveryStreamLooks()
    {
        var pid = await Pipeline();
        var taskId = await OneTask(New(pid));
        var notices = Notices();

        await Run(u =>
        {
            for (var i = 0; i <= PendingNotice.MaxEventKeys; i++) u.Runs.AppendTaskEvent(taskId, "note-" + i, "{}");
            return 0;
        });

        notices.Should().ContainSingle(n => n.Events).Which.EventKeys.Should().BeNull("more distinct keys than a notice carries mean: not known");
    }
}
