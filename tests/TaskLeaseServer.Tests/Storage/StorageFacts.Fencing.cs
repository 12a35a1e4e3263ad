using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// Fencing: a lease-protected write holds only for this lease id, this token, before the expiry;
// otherwise it answers false or null and changes nothing.
public abstract partial class StorageFacts
{
    private async Task<(ClaimResult Claim, LeaseFence Fence)> Leased(long ttlMs = 10_000)
    {
        var pid = await Pipeline();
        await OneTask(New(pid, maxAttempts: 3));
        var claim = await Claimed(ttlMs: ttlMs);
        return (claim, new LeaseFence(claim.LeaseId, HashOf(claim)));
    }

    [Fact]
    public async Task HolderWrites_WithTheRightFence_Hold()
    {
        var (claim, fence) = await Leased();

        (await Run(u => u.Leases.Extend(fence, Now + 50_000))).Should().BeTrue();
        (await Run(u => u.Runs.AppendAsHolder(fence, claim.Run.Id, "note", "{}"))).Should().NotBeNull();
        (await Lease(claim.LeaseId))!.ExpiresAtMs.Should().Be(Now + 50_000);
        (await Run(u => u.Leases.End(fence))).Should().BeTrue();
        (await Lease(claim.LeaseId)).Should().BeNull();
    }

    [Fact]
    public async Task HolderWrites_WithAWrongToken_ChangeNothing()
    {
        var (claim, fence) = await Leased();
        var wrong = fence with { TokenHash = WrongHash() };

        (await Run(u => u.Leases.Extend(wrong, Now + 50_000))).Should().BeFalse();
        (await Run(u => u.Runs.AppendAsHolder(wrong, claim.Run.Id, "note", "{}"))).Should().BeNull();
        (await Run(u => u.Leases.End(wrong))).Should().BeFalse();

        (await Lease(claim.LeaseId))!.ExpiresAtMs.Should().Be(claim.ExpiresAtMs);
        EventsOf(claim.Run.Id).Should().BeEmpty();
    }

    [Fact]
    public async Task HolderWrites_AtOrAfterTheExpiry_ChangeNothing()
    {
        var (claim, fence) = await Leased(ttlMs: 10_000);
        Advance(10_000);

        (await Run(u => u.Leases.Extend(fence, Now + 50_000))).Should().BeFalse();
        (await Run(u => u.Runs.AppendAsHolder(fence, claim.Run.Id, "note", "{}"))).Should().BeNull();
        (await Run(u => u.Leases.End(fence))).Should().BeFalse();

        (await Lease(claim.LeaseId))!.ExpiresAtMs.Should().Be(claim.ExpiresAtMs);
        EventsOf(claim.Run.Id).Should().BeEmpty();
    }

    [Fact]
    public async Task HolderWrites_AfterTheLeaseEnded_ChangeNothing()
    {
        var (claim, fence) = await Leased();
        await Run(u => u.Leases.End(fence));

        (await Run(u => u.Leases.Extend(fence, Now + 50_000))).Should().BeFalse();
        (await Run(u => u.Runs.AppendAsHolder(fence, claim.Run.Id, "note", "{}"))).Should().BeNull();
        (await Run(u => u.Leases.End(fence))).Should().BeFalse();
        EventsOf(claim.Run.Id).Should().BeEmpty();
    }

    [Fact]
    public async Task HolderWrites_AfterTheLeaseWasReaped_ChangeNothing_AndTheSequencesSayExpiredOrGone()
    {
        var (claim, fence) = await Leased(ttlMs: 10_000);
        Advance(10_000);
        await Sweep();
        var eventsAfterSweep = EventsOf(claim.Run.Id).Count;

        (await Run(u => u.Leases.Extend(fence, Now + 50_000))).Should().BeFalse();
        (await Run(u => u.Runs.AppendAsHolder(fence, claim.Run.Id, "note", "{}"))).Should().BeNull();
        (await Run(u => u.Leases.End(fence))).Should().BeFalse();
        EventsOf(claim.Run.Id).Should().HaveCount(eventsAfterSweep);

        var heartbeat = () => Run(u => LeaseHolder.Heartbeat(u, claim.LeaseId, HashOf(claim), null));
        (await heartbeat.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.LeaseNotFound);
        var fail = () => Fail(claim);
        (await fail.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.LeaseNotFound);
        (await FailedAttempts(claim.Task.Id)).Should().Be(1);
    }

    [Fact]
    public async Task AReap_OfALeaseExtendedMeanwhile_AnswersFalse_AndLeavesItLive()
    {
        var (claim, fence) = await Leased(ttlMs: 10_000);
        var asFirstRead = (await Lease(claim.LeaseId))!;
        Advance(9_000);
        (await Run(u => u.Leases.Extend(fence, Now + 10_000))).Should().BeTrue();
        Advance(2_000);

        (await Run(u => u.Leases.Reap(asFirstRead))).Should().BeFalse();

        (await Lease(claim.LeaseId))!.ExpiresAtMs.Should().Be(claim.ExpiresAtMs + 9_000);
        (await Run(u => u.Leases.Extend(fence, Now + 10_000))).Should().BeTrue();
    }

    [Fact]
    public async Task TheSweep_ReapsAnExpiredLeaseOnce_EvenWhenTwoSweepsRace()
    {
        var (claim, _) = await Leased(ttlMs: 10_000);
        Advance(10_000);

        var looked = await Task.WhenAll(Sweep(), Sweep());
        var again = await Sweep();

        looked.Sum().Should().Be(1);
        again.Should().Be(0);
        (await FailedAttempts(claim.Task.Id)).Should().Be(1);
        (await RunOf(claim.Run.Id))!.Status.Should().Be("stale");
        EventsOf(claim.Run.Id).Select(e => e.Kind).Should().Equal(ServerEvents.LeaseExpired, ServerEvents.RetryScheduled);
        (await Lease(claim.LeaseId)).Should().BeNull();
        (await Claimed()).Run.Attempt.Should().Be(2);
    }

    [Fact]
    public async Task TheSweep_LeavesLiveLeasesAlone()
    {
        var (claim, _) = await Leased(ttlMs: 10_000);
        Advance(9_999);

        (await Sweep()).Should().Be(0);

        (await Lease(claim.LeaseId)).Should().NotBeNull();
        (await RunOf(claim.Run.Id))!.Status.Should().Be("running");
    }
}
