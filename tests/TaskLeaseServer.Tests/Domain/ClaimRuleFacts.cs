using FluentAssertions;
using TaskLeaseServer.Domain;
using Xunit;

namespace TaskLeaseServer.Tests.Domain;

public sealed class ClaimRuleFacts
{
    private const long Now = 1_800_000_000_000;
    private const string Agent = "agent-1";

    private static readonly ClaimState Ready = new("worker", DeadLettered: false, BlockedDeps: 0, Leased: false,
        NextEligibleAtMs: 0, Assignee: null);

    private static bool IsReady(ClaimState task, IReadOnlyCollection<string>? full = null) =>
        ClaimRule.IsReady(task, "todo", "worker", Agent, Now, full ?? []);

    public static TheoryData<string, ClaimState> NotReady => new()
    {
        { "another role's stage", Ready with { Role = "reviewer" } },
        { "a stage nobody works", Ready with { Role = null } },
        { "dead-lettered", Ready with { DeadLettered = true } },
        { "one unfinished upstream", Ready with { BlockedDeps = 1 } },
        { "leased", Ready with { Leased = true } },
        { "a retry delay not yet over", Ready with { NextEligibleAtMs = Now + 1 } },
        { "assigned to another agent", Ready with { Assignee = "agent-2" } },
        { "paused", Ready with { Paused = true } },
        { "canceled", Ready with { Canceled = true } },
        { "a not-before time still ahead", Ready with { NotBeforeMs = Now + 1 } },
    };

    [Theory]
    [MemberData(nameof(NotReady))]
    public void EachInputAlone_MakesATaskNotReady(string because, ClaimState task) =>
        IsReady(task).Should().BeFalse(because);

    [Fact]
    public void AnUnassignedTaskWithEveryInputClear_IsReady() => IsReady(Ready).Should().BeTrue();

    [Fact]
    public void ATaskAssignedToThisAgent_IsReady() => IsReady(Ready with { Assignee = Agent }).Should().BeTrue();

    [Fact]
    public void ARetryDelayEndingNow_IsOver() => IsReady(Ready with { NextEligibleAtMs = Now }).Should().BeTrue();

    [Fact]
    public void ANotBeforeTimeReachedNow_IsOver() => IsReady(Ready with { NotBeforeMs = Now }).Should().BeTrue();

    [Fact]
    public void ATaskInAFullStage_IsNotReady_ButOtherFullStagesDoNotMatter()
    {
        IsReady(Ready, full: ["todo"]).Should().BeFalse();
        IsReady(Ready, full: ["review"]).Should().BeTrue();
    }
}
