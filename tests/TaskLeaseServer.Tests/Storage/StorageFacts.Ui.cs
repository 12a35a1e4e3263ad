using FluentAssertions;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// The dashboard's reads (IReads.Attention, Dependents, Agents, Leases) on every engine.
public abstract partial class StorageFacts
{
    private IReadOnlyList<string> Lane(AttentionLane lane, int limit = 10) =>
        Reads.Attention(lane, Now, Now - 300_000, limit).Items.Select(t => t.Id).ToList();

    [Fact]
    public async Task Attention_EachLaneHoldsItsTasks_InItsOrder_AndSaysWhenThereAreMore()
    {
        var pid = await Pipeline();
        var plain = await OneTask(New(pid, "plain"));
        var dead = await OneTask(New(pid, "dead", priority: 10, maxAttempts: 1)); // claimed before plain
        await Fail(await Claimed());
        var retrying = await OneTask(New(pid, "retrying", priority: 9, maxAttempts: 5));
        await Fail(await Claimed());
        var upstream = await OneTask(New(pid, "upstream"));
        Advance(1);
        var blocked = await OneTask(New(pid, "blocked", dependsOn: [upstream]));
        Advance(1);
        var canceledFirst = await OneTask(New(pid, "c1"));
        var canceledLater = await OneTask(New(pid, "c2"));
        await Run(u => Operators.Cancel(u, canceledFirst, new CancelCommand("first", null), Op));
        Advance(1);
        await Run(u => Operators.Cancel(u, canceledLater, new CancelCommand("later", null), Op));

        Lane(AttentionLane.DeadLettered).Should().Equal(dead);
        Lane(AttentionLane.Retrying).Should().Equal(retrying);
        Lane(AttentionLane.Blocked).Should().Equal(blocked);
        Lane(AttentionLane.Canceled).Should().Equal(canceledLater, canceledFirst);
        Lane(AttentionLane.Stuck).Should().BeEmpty();
        Lane(AttentionLane.Canceled, limit: 1).Should().Equal(canceledLater);
        Reads.Attention(AttentionLane.Canceled, Now, Now, 1).More.Should().BeTrue();
        Reads.Attention(AttentionLane.Canceled, Now, Now, 2).More.Should().BeFalse();

        // A run going for longer than the cutoff is stuck, as /ops/queue counts it.
        var claim = await Claimed(ttlMs: 3_600_000);
        Advance(300_001);
        Lane(AttentionLane.Stuck).Should().Equal(claim.Task.Id);
        Reads.Queue(Now, Now - 300_000, Now).Sum(q => q.StuckCount).Should().Be(1);
        foreach (var lane in new[] { AttentionLane.DeadLettered, AttentionLane.Retrying, AttentionLane.Blocked, AttentionLane.Canceled })
            Lane(lane).Should().NotContain(plain, "a task with no trouble is in no lane");

        // A dead-lettered task that is canceled leaves the dead-letter lane for the canceled one.
        await Run(u => Operators.Cancel(u, dead, new CancelCommand(null, null), Op));
        Lane(AttentionLane.DeadLettered).Should().BeEmpty();
        Lane(AttentionLane.Canceled).Should().StartWith(dead);
    }

    [Fact]
    public async Task Dependents_AreTheDownstreamTasks_Paged()
    {
        var pid = await Pipeline();
        var up = await OneTask(New(pid, "up"));
        var downs = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            Advance(1);
            downs.Add(await OneTask(New(pid, "down" + i, dependsOn: [up])));
        }
        Reads.Dependents(up, 10).Items.Select(t => t.Id).Should().Equal(downs);
        var first = Reads.Dependents(up, 2);
        first.Items.Select(t => t.Id).Should().Equal(downs[0], downs[1]);
        first.More.Should().BeTrue();
        Reads.Dependents(downs[0], 10).Items.Should().BeEmpty();
    }

    [Fact]
    public async Task Agents_AreTheIdsSeenInRuns_WithTheirLeases_PagedByName()
    {
        var pid = await Pipeline();
        await Tasks(New(pid, "a"), New(pid, "b"), New(pid, "c"));
        var bee = await Claimed(agent: "bee", ttlMs: 60_000);
        await Fail(bee);
        Advance(1_000);
        await Claimed(agent: "ant", ttlMs: 60_000);
        await Claimed(agent: "cat", ttlMs: 60_000);

        var all = Reads.Agents(null, 10, Now);
        all.Items.Select(a => a.AgentId).Should().Equal("ant", "bee", "cat");
        all.More.Should().BeFalse();
        var ant = all.Items[0];
        ant.LiveLeases.Should().Be(1);
        ant.LastHeartbeatMs.Should().Be(Now);
        ant.LastRunStartedAtMs.Should().Be(Now);
        all.Items[1].LiveLeases.Should().Be(0, "bee's lease ended with its failed run");
        all.Items[1].LastHeartbeatMs.Should().BeNull();

        var first = Reads.Agents(null, 2, Now);
        first.Items.Select(a => a.AgentId).Should().Equal("ant", "bee");
        first.More.Should().BeTrue();
        Reads.Agents("bee", 2, Now).Items.Select(a => a.AgentId).Should().Equal("cat");

        Reads.Leases(null, 10).Items.Select(l => l.AgentId).Should().BeEquivalentTo(["ant", "cat"]);
        var cats = Reads.Leases("cat", 10).Items;
        cats.Should().ContainSingle().Which.Title.Should().NotBeEmpty();
        Advance(120_000);
        Reads.Agents(null, 10, Now).Items[0].LiveLeases.Should().Be(0, "an expired lease is not live, even before the sweeper reaps it");
    }
}
