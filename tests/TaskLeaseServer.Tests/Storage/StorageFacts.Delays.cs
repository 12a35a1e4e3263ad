using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// EXTENSIONS §1 and §3: drafts (created paused), not-before times, and the status they show.
public abstract partial class StorageFacts
{
    private string StatusOf(string id) => TaskStatusRule.Of(TaskRow(id).State(Now), Now);

    [Fact]
    public async Task ATaskCreatedPaused_IsNeverClaimed_AndShowsPaused()
    {
        var pid = await Pipeline();
        var draft = await OneTask(New(pid, "draft", priority: 9) with { Paused = true });
        var other = await OneTask(New(pid, "other"));

        (await Claimed()).Task.Id.Should().Be(other);
        (await Claim()).Should().BeNull();
        Advance(86_400_000);
        await Sweep();
        (await Claimed()).Task.Id.Should().Be(other, "its lease expired; the draft is still not claimable");
        (await Claim()).Should().BeNull();
        TaskRow(draft).Paused.Should().BeTrue();
        StatusOf(draft).Should().Be("paused");
    }

    [Fact]
    public async Task ANotBeforeTime_KeepsTheTaskWaiting_UntilItPasses_WithoutASweep()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid) with { NotBeforeMs = Now + 5_000 });

        StatusOf(id).Should().Be("waiting");
        TaskRow(id).NotBeforeMs.Should().Be(Now + 5_000);
        (await Claim()).Should().BeNull();
        Advance(4_999);
        (await Claim()).Should().BeNull();
        Advance(1);
        StatusOf(id).Should().Be("ready");
        (await Claimed()).Task.Id.Should().Be(id);
        StatusOf(id).Should().Be("leased");
    }

    [Fact]
    public async Task ANotBeforeTime_PassedAndSwept_LeavesTheTaskInTheClaimIndex()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid) with { NotBeforeMs = Now + 5_000 });
        Advance(5_000);
        await Sweep();

        (await Claimed()).Task.Id.Should().Be(id);
    }

    [Fact]
    public async Task ANotBeforeTimeInThePast_IsReadyAtOnce()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid) with { NotBeforeMs = Now - 1 });

        StatusOf(id).Should().Be("ready");
        (await Claimed()).Task.Id.Should().Be(id);
    }

    [Fact]
    public async Task ManyTasksScheduledLater_DoNotHideOneThatIsDue()
    {
        var pid = await Pipeline();
        await Tasks(Enumerable.Range(0, 50).Select(i => New(pid, "later" + i, priority: 9) with { NotBeforeMs = Now + 60_000 }).ToArray());
        var soon = await OneTask(New(pid, "soon") with { NotBeforeMs = Now + 1_000 });
        Advance(1_000);

        (await Claimed()).Task.Id.Should().Be(soon);
        (await Claim()).Should().BeNull();
    }

    [Fact]
    public async Task AFailedTaskWithANotBeforeLaterThanItsRetryDelay_WaitsForTheLaterOfTheTwo()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, maxAttempts: 5, retryDelayMs: 1_000) with { NotBeforeMs = Now + 100 });
        Advance(100);
        await Fail(await Claimed());

        StatusOf(id).Should().Be("waiting");
        Advance(999);
        (await Claim()).Should().BeNull();
        Advance(1);
        (await Claimed()).Task.Id.Should().Be(id);
    }

    [Fact]
    public async Task Statuses_OfABlockedTask_ADoneTask_AndAnUnroutableTask()
    {
        var pid = await Pipeline();
        var upstream = await OneTask(New(pid, "up"));
        var blocked = await OneTask(New(pid, "down", dependsOn: [upstream]));
        var parked = await OneTask(New(await Pipeline(ParkedPipelineJson), "parked"));

        StatusOf(blocked).Should().Be("blocked");
        StatusOf(parked).Should().Be("unroutable");
        StatusOf(upstream).Should().Be("ready");

        await Transition(await Claimed(), "submit");
        await Transition(await Claimed(Reviewer), "approve");
        StatusOf(upstream).Should().Be("done");
        StatusOf(blocked).Should().Be("ready");
    }

    [Fact]
    public async Task AnExpiredLeaseNotYetSwept_NoLongerShowsLeased()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid));
        await Claimed(ttlMs: 1_000);

        StatusOf(id).Should().Be("leased");
        TaskRow(id).LeaseExpiresAtMs.Should().Be(Now + 1_000);
        Advance(1_000);
        StatusOf(id).Should().Be("ready");
    }

    [Fact]
    public async Task TheOpsQueue_DoesNotCountDraftsOrTasksScheduledLater()
    {
        var pid = await Pipeline();
        await Tasks(New(pid) with { Paused = true }, New(pid) with { NotBeforeMs = Now + 1_000 }, New(pid));

        Reads.Queue(Now, Now, Now).Single(r => r.Role == Worker).ClaimableCount.Should().Be(1);
        Reads.ReadyByRole().Single(r => r.Role == Worker).Count.Should().Be(1);
        Advance(1_000);
        Reads.Queue(Now, Now, Now).Single(r => r.Role == Worker).ClaimableCount.Should().Be(2);
    }
}
