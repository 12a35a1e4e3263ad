using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// The dependency DAG and assignments: the checks of Lifecycle/Creation over the engine's writes.
public abstract partial class StorageFacts
{
    private Task<bool> Depend(string taskId, string upstreamId) =>
        Run(u => { Creation.Dependency(u, taskId, upstreamId); return true; });

    private async Task<Fault> DependFault(string taskId, string upstreamId)
    {
        var act = () => Depend(taskId, upstreamId);
        return (await act.Should().ThrowAsync<DomainError>()).Which.Fault;
    }

    [Fact]
    public async Task AnEdge_ToItself_ToAnUnknownTask_Twice_OrClosingACycle_IsRefused_AndChangesNothing()
    {
        var pid = await Pipeline();
        var (a, b, c) = (await OneTask(New(pid, "a")), await OneTask(New(pid, "b")), await OneTask(New(pid, "c")));
        await Depend(b, a);
        await Depend(c, b);

        (await DependFault(a, a)).Should().Be(Fault.InvalidDependency);
        (await DependFault("no-such-task", a)).Should().Be(Fault.TaskNotFound);
        (await DependFault(a, "no-such-task")).Should().Be(Fault.DependencyTaskNotFound);
        (await DependFault(b, a)).Should().Be(Fault.DuplicateDependency);
        (await DependFault(a, c)).Should().Be(Fault.InvalidDependency, "a ← b ← c, so a → c would close a cycle");

        Reads.Dependencies(a).Should().BeEmpty();
        Reads.Dependencies(b).Select(d => d.DependsOnTaskId).Should().Equal(a);
        (await Claim())!.Task.Id.Should().Be(a, "b and c stay blocked, a is not blocked by the refused edge");
    }

    [Fact]
    public async Task AnEdge_ToAFinishedUpstream_DoesNotBlock_ButOneToAnUnfinishedUpstreamDoes()
    {
        var pid = await Pipeline();
        var upstream = await OneTask(New(pid, "up", priority: 9));
        var done = await Claimed();
        await Transition(done, "submit");
        await Transition(await Claimed(Reviewer), "approve");
        var open = await OneTask(New(pid, "open", priority: 5));
        var task = await OneTask(New(pid, "task"));

        await Depend(task, upstream);
        Reads.Dependencies(task).Should().ContainSingle().Which.Resolved.Should().BeTrue();
        (await Claim())!.Task.Id.Should().Be(open);
        (await Claim())!.Task.Id.Should().Be(task, "its only upstream is done");

        var other = await OneTask(New(pid, "other"));
        await Depend(other, open);
        (await Claim()).Should().BeNull("other waits for open, which is leased and unfinished");
    }

    [Fact]
    public async Task AnUpstreamLeavingItsTerminalStage_BlocksItsDependentsAgain()
    {
        var pid = await Pipeline("""
            {"initial": "todo",
             "states": {"todo": {"agent_role": "worker"}, "done": {"terminal": true, "agent_role": "reopener"}},
             "transitions": [{"from": "todo", "to": "done", "trigger": "finish"}, {"from": "done", "to": "todo", "trigger": "reopen"}]}
            """);
        var upstream = await OneTask(New(pid, "up", priority: 9));
        var dependent = await OneTask(New(pid, "down", dependsOn: [upstream]));
        await Transition(await Claimed(), "finish");
        Reads.Dependencies(dependent).Single().Resolved.Should().BeTrue();

        await Transition(await Claimed("reopener"), "reopen");

        Reads.Dependencies(dependent).Single().Resolved.Should().BeFalse();
        (await Claim())!.Task.Id.Should().Be(upstream, "the dependent is blocked again, only the upstream is ready");
        (await Claim()).Should().BeNull();
    }

    [Fact]
    public async Task AnAssignment_ReplacesTheActiveOne_KeepsHistory_AndAnUnassignmentOfNoneIsRefused()
    {
        var pid = await Pipeline();
        var id = await OneTask(New(pid, assignee: "first"));
        await Run(u => { Creation.Assignment(u, id, "second", "lead"); return true; });

        Reads.Assignments(id).Select(a => (a.AgentId, a.Active)).Should().Equal(("first", false), ("second", true));
        (await Claim(agent: "first")).Should().BeNull();

        var unknown = () => Run(u => { Creation.Unassignment(u, id, "first"); return true; });
        (await unknown.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.AssignmentNotFound);
        var missing = () => Run(u => { Creation.Assignment(u, "no-such-task", "x", null); return true; });
        (await missing.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.TaskNotFound);

        await Run(u => { Creation.Unassignment(u, id, "second"); return true; });
        (await Claim(agent: "first"))!.Task.Id.Should().Be(id, "unassigned, anyone may claim it");
    }
}
