using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// The claim signal: raised inside a unit, delivered after its commit, never for work that was undone.
// A signal that must not arrive is checked after a later unit's signal did: delivery is in commit order.
public abstract partial class StorageFacts
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private async Task RaiseMarker()
    {
        var marker = Signal.Next("marker");
        await Run(u => { u.Claimable("marker"); return true; });
        await marker.WaitAsync(Patience);
    }

    [Fact]
    public async Task CreatingAReadyTask_SignalsItsRoleAfterTheCommit()
    {
        var pid = await Pipeline();
        var worker = Signal.Next(Worker);
        var reviewer = Signal.Next(Reviewer);
        worker.IsCompleted.Should().BeFalse();

        await OneTask(New(pid));
        await worker.WaitAsync(Patience);

        (await Claim()).Should().NotBeNull("the woken waiter finds the committed task");
        await RaiseMarker();
        reviewer.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task AUnitThatThrewAfterRaisingTheSignal_DeliversNothing()
    {
        var pid = await Pipeline();
        var worker = Signal.Next(Worker);

        var failing = () => Run<bool>(u =>
        {
            Creation.Tasks(u, [New(pid)]);
            throw new DomainError(Fault.InvalidQuery, "changed my mind");
        });
        await failing.Should().ThrowAsync<DomainError>();

        await RaiseMarker();
        worker.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task ANestedPartThatWasUndone_DeliversNothing_ButTheRestOfTheUnitDoes()
    {
        var pid = await Pipeline();
        var worker = Signal.Next(Worker);
        var reviewer = Signal.Next(Reviewer);

        await Run(u =>
        {
            u.Nested(() => Creation.Tasks(u, [New(pid)]), _ => false);
            u.Claimable(Reviewer);
            return true;
        });

        await reviewer.WaitAsync(Patience);
        await RaiseMarker();
        worker.IsCompleted.Should().BeFalse();
        (await Claim()).Should().BeNull();
    }

    [Fact]
    public async Task ABlockedTask_SignalsNothing_UntilItsUpstreamFinishes()
    {
        var pid = await Pipeline();
        var upstream = await OneTask(New(pid));
        await Transition(await Claimed(), "submit");
        await OneTask(New(pid, dependsOn: [upstream]));
        var worker = Signal.Next(Worker);
        await RaiseMarker();
        worker.IsCompleted.Should().BeFalse();

        await Transition(await Claimed(Reviewer), "approve");

        await worker.WaitAsync(Patience);
    }

    [Fact]
    public async Task ARetryAfterItsDelay_IsSignalledByTheSweep()
    {
        var pid = await Pipeline();
        await OneTask(New(pid, maxAttempts: 3, retryDelayMs: 5_000));
        await Fail(await Claimed());
        var worker = Signal.Next(Worker);
        await RaiseMarker();
        worker.IsCompleted.Should().BeFalse();

        Advance(5_000);
        await Sweep();

        await worker.WaitAsync(Patience);
    }
}
