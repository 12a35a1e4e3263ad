using FluentAssertions;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// Claim: which ready task wins, and everything that keeps a task out of the running.
public abstract partial class StorageFacts
{
    [Fact]
    public async Task AClaim_TakesTheHighestPriority_ThenTheOldest_ThenTheFirstInserted()
    {
        var pid = await Pipeline();
        var first = await Tasks(New(pid, "a0"), New(pid, "high-old", priority: 5), New(pid, "a1"), New(pid, "a2"),
            New(pid, "a3"), New(pid, "a4"));
        Advance(1_000);
        var second = await Tasks(New(pid, "b0"), New(pid, "high-new", priority: 5));

        var order = new List<string>();
        while (await Claim() is { } claim) order.Add(claim.Task.Id);

        order.Should().Equal(first[1], second[1], first[0], first[2], first[3], first[4], first[5], second[0]);
    }

    [Fact]
    public async Task EqualTasks_AssignedToMeOrToNobody_AreStillClaimedFirstInFirstOut()
    {
        var pid = await Pipeline();
        var ids = await Tasks(New(pid, "mine", assignee: Agent), New(pid, "anyone's"), New(pid, "mine too", assignee: Agent));

        var order = new List<string>();
        while (await Claim() is { } claim) order.Add(claim.Task.Id);

        order.Should().Equal(ids);
    }

    [Fact]
    public async Task NothingReady_ClaimsNull()
    {
        var pid = await Pipeline();
        await OneTask(New(pid));

        (await Claim(Reviewer)).Should().BeNull();
        (await Claim("no-such-role")).Should().BeNull();
    }

    [Fact]
    public async Task ATaskWithAnUnfinishedUpstream_IsSkipped()
    {
        var pid = await Pipeline();
        var upstream = await OneTask(New(pid, "upstream"));
        await OneTask(New(pid, "blocked", priority: 9, dependsOn: [upstream]));

        (await Claimed()).Task.Id.Should().Be(upstream);
        (await Claim()).Should().BeNull();
    }

    [Fact]
    public async Task ALeasedTask_IsSkipped()
    {
        var pid = await Pipeline();
        var ids = await Tasks(New(pid, "x"), New(pid, "y"));

        var one = await Claimed();
        var two = await Claimed();

        new[] { one.Task.Id, two.Task.Id }.Should().BeEquivalentTo(ids);
        (await Claim()).Should().BeNull();
    }

    [Fact]
    public async Task ATaskAssignedToAnotherAgent_IsSkipped_AndOneAssignedToThisAgentIsClaimed()
    {
        var pid = await Pipeline();
        var theirs = await OneTask(New(pid, "theirs", priority: 9, assignee: "agent-2"));
        var mine = await OneTask(New(pid, "mine", priority: 1, assignee: Agent));

        (await Claimed(agent: Agent)).Task.Id.Should().Be(mine);
        (await Claim(agent: "agent-3")).Should().BeNull();
        (await Claimed(agent: "agent-2")).Task.Id.Should().Be(theirs);
    }

    [Fact]
    public async Task AnAssignmentMadeLater_TakesTheTaskAwayFromOthers_AndUnassigningGivesItBack()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid));
        await Run(u => { Creation.Assignment(u, id, "agent-2", "lead"); return true; });

        (await Claim(agent: Agent)).Should().BeNull();

        await Run(u => { Creation.Unassignment(u, id, "agent-2"); return true; });
        (await Claimed(agent: Agent)).Task.Id.Should().Be(id);
    }

    [Fact]
    public async Task ATaskWaitingOutARetryDelay_IsSkippedUntilTheDelayPasses_WithoutASweep()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, retryDelayMs: 10_000, maxAttempts: 5));
        await Fail(await Claimed());

        (await Claim()).Should().BeNull();
        Advance(9_999);
        (await Claim()).Should().BeNull();
        Advance(1);
        var again = await Claimed();

        again.Task.Id.Should().Be(id);
        again.Run.Attempt.Should().Be(2);
    }

    [Fact]
    public async Task ADeadLetteredTask_IsNeverClaimedAgain()
    {
        var pid = await Pipeline();
        await OneTask(New(pid, maxAttempts: 1));
        await Fail(await Claimed());

        Advance(86_400_000);
        await Sweep();

        (await Claim()).Should().BeNull();
    }

    [Fact]
    public async Task ATaskInAStageNobodyWorks_IsNeverClaimed()
    {
        var pid = await Pipeline(ParkedPipelineJson);
        var id = await OneTask(New(pid));

        TaskRow(id).Stage.Should().Be("parked");
        (await Claim(Worker)).Should().BeNull();
        (await Claim("")).Should().BeNull();
    }

    [Fact]
    public async Task AStageAtItsPerStateLimit_IsSkipped_OthersAreNot()
    {
        var pid = await Pipeline();
        await Tasks(New(pid), New(pid), New(pid));
        await Claimed();

        (await Claim(limits: new Dictionary<string, long> { ["todo"] = 1 })).Should().BeNull();
        (await Claim(limits: new Dictionary<string, long> { ["todo"] = 2 })).Should().NotBeNull();
        (await Claim(limits: new Dictionary<string, long> { ["review"] = 1, ["todo"] = 0 })).Should().NotBeNull();
    }

    [Fact]
    public async Task AnExpiredLease_NoLongerCountsTowardTheLimit()
    {
        var pid = await Pipeline();
        await Tasks(New(pid), New(pid));
        await Claimed(ttlMs: 1_000);
        Advance(1_000);

        (await Claim(limits: new Dictionary<string, long> { ["todo"] = 1 })).Should().NotBeNull();
    }

    [Fact]
    public async Task AClaim_OpensARunAndALease_ForTheClaimingAgent()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid));

        var claim = await Claimed(ttlMs: 20_000);

        claim.ExpiresAtMs.Should().Be(Now + 20_000);
        claim.Task.LeaseId.Should().Be(claim.LeaseId);
        claim.Run.Should().BeEquivalentTo(new { TaskId = id, Attempt = 1L, Status = "running", AgentId = Agent, AgentRole = Worker });
        var lease = await Lease(claim.LeaseId);
        lease.Should().BeEquivalentTo(new { RunId = claim.Run.Id, TaskId = id, AgentId = Agent, TtlMs = 20_000L, ExpiresAtMs = Now + 20_000 });
        lease!.TokenHash.Should().Equal(HashOf(claim));
        (await RunOf(claim.Run.Id))!.Status.Should().Be("running");
    }

    [Theory]
    [InlineData(40, 25)]
    [InlineData(10, 25)]
    [InlineData(64, 64)]
    public async Task ConcurrentClaims_NeverWinTheSameTask(int claims, int tasks)
    {
        var pid = await Pipeline();
        await Tasks(Enumerable.Range(0, tasks).Select(i => New(pid, "t" + i)).ToArray());

        using var start = new Barrier(claims);
        var results = await Task.WhenAll(Enumerable.Range(0, claims).Select(i => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            return Claim(agent: "agent-" + i);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));

        var won = results.Where(r => r is not null).Select(r => r!.Task.Id).ToList();
        won.Should().HaveCount(Math.Min(claims, tasks)).And.OnlyHaveUniqueItems();
        results.Where(r => r is not null).Select(r => r!.LeaseId).Should().OnlyHaveUniqueItems();
    }
}
