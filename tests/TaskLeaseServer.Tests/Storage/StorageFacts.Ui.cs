using FluentAssertions;
using TaskLeaseServer.Domain;
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
    public async Task Attention_PagesThroughALane_FromTheRowAfterTheCursor_InTheLanesOrder()
    {
        var pid = await Pipeline();
        var retrying = new List<string>();
        var blocked = new List<string>();
        var upstream = await OneTask(New(pid, "upstream", priority: -1));
        for (var i = 0; i < 3; i++)
        {
            retrying.Add(await OneTask(New(pid, "r" + i, priority: 10 + i, maxAttempts: 5))); // the newest is claimed first
            await Fail(await Claimed());
            blocked.Add(await OneTask(New(pid, "b" + i, dependsOn: [upstream])));
            Advance(1);
        }
        retrying.Reverse(); // latest change first
        foreach (var (lane, expected) in new[] { (AttentionLane.Retrying, retrying), (AttentionLane.Blocked, blocked) })
        {
            var seen = new List<string>();
            (long, string)? after = null;
            for (var n = 0; n < 5; n++)
            {
                var page = Reads.Attention(lane, Now, Now - 300_000, 2, after);
                seen.AddRange(page.Items.Select(t => t.Id));
                if (!page.More) break;
                after = (UiSql.KeyOf(lane, page.Items[^1]), page.Items[^1].Id);
            }
            seen.Should().Equal(expected, $"{lane}: every row once, in the lane's order, two a page");
        }
    }

    [Fact]
    public async Task LeasedTasks_ListWhatTheStatusFilterLists_InEverySort_FromTheLeasesTable()
    {
        var pid = await Pipeline();
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await OneTask(New(pid, "t" + i, priority: i % 3)));
            Advance(1);
        }
        var claims = new List<ClaimResult>();
        for (var i = 0; i < 4; i++) claims.Add(await Claimed(ttlMs: i == 0 ? 1_000 : 60_000));
        await Run(u => Operators.Cancel(u, claims[1].Task.Id, new CancelCommand("gone", null), Op)); // revoked: not leased
        Advance(5_000); // claims[0]'s lease has run out (its row stays until the sweeper reaps it)

        var expected = new[] { claims[2].Task.Id, claims[3].Task.Id };
        foreach (var sort in Enum.GetValues<TaskSort>())
        {
            var filter = new TaskFilter(null, null, null, 10, Find([TaskStatusRule.Leased], sort: sort));
            var leased = Reads.LeasedTasks(filter).Items.Select(t => t.Id).ToList();
            leased.Should().Equal(Reads.Tasks(filter).Items.Select(t => t.Id), $"sort {sort}: the same rows in the same order");
            leased.Should().BeEquivalentTo(expected);
            var one = filter with { Limit = 1 };
            Reads.LeasedTasks(one).More.Should().BeTrue();
            Reads.LeasedTasks(one).Items.Single().Id.Should().Be(leased[0]);
        }
        Reads.LeasedTasks(new TaskFilter(null, null, null, 10, Find([TaskStatusRule.Leased], role: "nobody"))).Items.Should().BeEmpty();
        UiSql.IsLeasedOnly(new TaskFilter(null, null, null, 10, Find([TaskStatusRule.Leased]))).Should().BeTrue();
        UiSql.IsLeasedOnly(new TaskFilter(null, null, null, 10, Find([TaskStatusRule.Leased, TaskStatusRule.Ready]))).Should().BeFalse();
        UiSql.IsLeasedOnly(new TaskFilter(null, null, null, 10, Find([TaskStatusRule.Leased], text: "x"))).Should().BeFalse();
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
