using FluentAssertions;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// The read side: task pages, task details, event pages, health and the ops queue.
public abstract partial class StorageFacts
{
    private List<TaskRow> AllPages(TaskFilter first, List<bool> mores)
    {
        var all = new List<TaskRow>();
        var filter = first;
        while (true)
        {
            var page = Reads.Tasks(filter);
            all.AddRange(page.Items);
            mores.Add(page.More);
            if (!page.More) return all;
            var last = page.Items[^1];
            filter = filter with { After = (last.CreatedAtMs, last.Id) };
        }
    }

    [Fact]
    public async Task TaskPages_NeverSkipOrRepeat_AcrossTiesInCreationTime()
    {
        var pid = await Pipeline();
        var other = await Pipeline();
        var ids = new List<string>(await Tasks(New(pid), New(pid), New(pid), New(pid)));
        Advance(1);
        ids.AddRange(await Tasks(New(pid), New(pid), New(pid)));
        await OneTask(New(other));
        Advance(1);
        ids.AddRange(await Tasks(New(pid)));
        var mores = new List<bool>();

        var all = AllPages(new TaskFilter(null, pid, null, 3), mores);

        all.Select(t => t.Id).Should().OnlyHaveUniqueItems().And.BeEquivalentTo(ids);
        all.Should().BeInAscendingOrder(t => t.CreatedAtMs);
        mores.Should().Equal(true, true, false);
        AllPages(new TaskFilter(null, null, null, 2), []).Should().HaveCount(9);
    }

    [Fact]
    public async Task TaskPages_FilterByStage_AndByPipelineAndStage()
    {
        var pid = await Pipeline();
        var other = await Pipeline();
        await Tasks(New(pid), New(pid), New(other));
        var moved = await Claimed();
        await Transition(moved, "submit");

        Reads.Tasks(new TaskFilter("review", null, null, 10)).Items.Select(t => t.Id).Should().Equal(moved.Task.Id);
        Reads.Tasks(new TaskFilter("todo", null, null, 10)).Items.Should().HaveCount(2);
        Reads.Tasks(new TaskFilter("todo", other, null, 10)).Items.Should().ContainSingle().Which.PipelineId.Should().Be(other);
        Reads.Tasks(new TaskFilter("done", pid, null, 10)).Items.Should().BeEmpty();
    }

    [Fact]
    public async Task TaskPages_FilterByPipeline_MergeItsStagesInCreationOrder()
    {
        // The pipeline-only page is a merge of one seek per stage: pages must interleave stages
        // exactly as the unfiltered order does, across ties, without skipping or repeating.
        var pid = await Pipeline();
        var other = await Pipeline();
        await Tasks(New(pid), New(pid), New(other));
        Advance(1);
        await Tasks(New(pid), New(pid), New(pid));
        await Transition(await Claimed(), "submit");
        Advance(1);
        await Tasks(New(pid), New(other));
        await Transition(await Claimed(), "submit");
        await Transition(await Claimed(Reviewer), "approve");

        var expected = AllPages(new TaskFilter(null, null, null, 100), []).Where(t => t.PipelineId == pid).Select(t => t.Id).ToList();
        var mores = new List<bool>();
        var paged = AllPages(new TaskFilter(null, pid, null, 2), mores);

        paged.Select(t => t.Stage).Distinct().Should().HaveCount(3, "the pages cross todo, review and done");
        paged.Select(t => t.Id).Should().Equal(expected);
        mores.Should().Equal(true, true, false);
    }

    [Fact]
    public async Task TaskDetails_ShowTheLatestRun_TheDependencies_AndTheAssignments()
    {
        var pid = await Pipeline();
        var open = await OneTask(New(pid, "open"));
        var finished = await OneTask(New(pid, "finished", priority: 5));
        await Transition(await Claimed(), "submit");
        await Transition(await Claimed(Reviewer), "approve");
        var id = await OneTask(New(pid, "subject", dependsOn: [open, finished], assignee: Agent));
        var blocked = Reads.TaskDetails(id)!;

        await Transition(await Claimed(), "submit");
        await Transition(await Claimed(Reviewer), "approve");
        Advance(10);
        await Run(u => { Creation.Assignment(u, id, "agent-2", "lead"); return true; });
        await Release(await Claimed(agent: "agent-2"));
        var latest = await Claimed(agent: "agent-2");
        var details = Reads.TaskDetails(id)!;

        blocked.LatestRun.Should().BeNull();
        blocked.Dependencies.Should().BeEquivalentTo(
            [new DependencyRow { DependsOnTaskId = open, Resolved = false }, new DependencyRow { DependsOnTaskId = finished, Resolved = true }],
            o => o.WithStrictOrdering());
        details.Task.Should().BeEquivalentTo(new { Id = id, Title = "subject", Stage = "todo", LeaseId = latest.LeaseId });
        details.LatestRun.Should().BeEquivalentTo(new { Id = latest.Run.Id, Attempt = 2L, Status = "running", AgentId = "agent-2" });
        details.Dependencies.Select(d => d.Resolved).Should().Equal(true, true);
        details.Assignments.Should().BeEquivalentTo(
            [new { AgentId = Agent, Active = false, AssignedBy = "lead" }, new { AgentId = "agent-2", Active = true, AssignedBy = "lead" }],
            o => o.WithStrictOrdering());
        details.Definition.Initial.Should().Be("todo");
        Reads.Assignments(id).Should().HaveCount(2);
    }

    [Fact]
    public void AnUnknownTask_HasNoDetails() => Reads.TaskDetails("no-such-task").Should().BeNull();

    [Fact]
    public async Task EventPages_RunInIdOrder_AfterTheCursor()
    {
        var pid = await Pipeline();
        await OneTask(New(pid));
        var claim = await Claimed();
        var appended = new List<long>();
        for (var i = 0; i < 5; i++) appended.Add(await Run(u => u.Runs.AppendEvent(claim.Run.Id, "note", "{\"i\":" + i + "}")));

        var first = Reads.Events(claim.Run.Id, null, 2);
        var second = Reads.Events(claim.Run.Id, first.Items[^1].Id, 2);
        var third = Reads.Events(claim.Run.Id, second.Items[^1].Id, 2);

        first.Items.Concat(second.Items).Concat(third.Items).Select(e => e.Id).Should().Equal(appended).And.BeInAscendingOrder();
        new[] { first.More, second.More, third.More }.Should().Equal(true, true, false);
        third.Items.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Kind = "note", DataJson = "{\"i\":4}", TsMs = Now });
        Reads.IsRunToken(claim.Run.Id, HashOf(claim)).Should().BeTrue();
        Reads.IsRunToken(claim.Run.Id, WrongHash()).Should().BeFalse();
    }

    [Fact]
    public async Task Health_CountsTasksPerStage_AndLiveLeases()
    {
        var pid = await Pipeline();
        await Tasks(New(pid), New(pid), New(pid));
        await Transition(await Claimed(), "submit");
        await Claimed(ttlMs: 5_000);

        var health = Reads.Health(Now);

        health.Stages.Should().BeEquivalentTo([new StageCount("review", 1), new StageCount("todo", 2)]);
        health.ActiveLeases.Should().Be(1);
        Reads.Health(Now + 5_000).ActiveLeases.Should().Be(0);
    }

    [Fact]
    public async Task TheQueue_CountsClaimableTasksPerRole_WithTheOldest()
    {
        var pid = await Pipeline();
        var created = Now;
        await OneTask(New(pid));
        Advance(100);
        await Tasks(New(pid), New(pid, dependsOn: [(await Tasks(New(pid)))[0]]));
        var before = Reads.Queue(Now, stuckBeforeMs: 0, expiresByMs: Now);

        var claim = await Claimed(ttlMs: 10_000);
        var after = Reads.Queue(Now, stuckBeforeMs: Now, expiresByMs: Now + 10_000);

        before.Should().ContainSingle(q => q.Role == Worker).Which.Should().BeEquivalentTo(
            new { ClaimableCount = 3L, OldestClaimableCreatedAtMs = created, StuckCount = 0L, NearExpiryLeases = 0L });
        before.Should().ContainSingle(q => q.Role == Reviewer).Which.ClaimableCount.Should().Be(0);
        claim.Task.CreatedAtMs.Should().Be(created);
        after.Should().ContainSingle(q => q.Role == Worker).Which.Should().BeEquivalentTo(
            new { ClaimableCount = 2L, OldestClaimableCreatedAtMs = created + 100, StuckCount = 1L, NearExpiryLeases = 1L });
    }
}
