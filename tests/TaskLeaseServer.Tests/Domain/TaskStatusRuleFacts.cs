using FluentAssertions;
using TaskLeaseServer.Domain;
using Xunit;

namespace TaskLeaseServer.Tests.Domain;

/// <summary>EXTENSIONS §1: the status is the first rule that matches, in the spec's order.</summary>
public sealed class TaskStatusRuleFacts
{
    private const long Now = 1_800_000_000_000;

    private static readonly ClaimState Ready = new("worker", DeadLettered: false, BlockedDeps: 0, Leased: false,
        NextEligibleAtMs: 0, Assignee: null);

    private static string Of(ClaimState task) => TaskStatusRule.Of(task, Now);

    /// <summary>Each row sets every input of the rows below it too: the earlier rule must still win.</summary>
    public static TheoryData<string, ClaimState> FirstMatchWins => new()
    {
        { "canceled", Ready with { Canceled = true, DeadLettered = true, Terminal = true, Role = null, Leased = true, Paused = true, BlockedDeps = 1, NotBeforeMs = Now + 1 } },
        { "dead_lettered", Ready with { DeadLettered = true, Terminal = true, Role = null, Leased = true, Paused = true, BlockedDeps = 1, NextEligibleAtMs = Now + 1 } },
        { "done", Ready with { Terminal = true, Role = null, Leased = true, Paused = true, BlockedDeps = 1, NextEligibleAtMs = Now + 1 } },
        { "leased", Ready with { Leased = true, Paused = true, BlockedDeps = 1, NextEligibleAtMs = Now + 1, Role = null } },
        { "paused", Ready with { Paused = true, BlockedDeps = 1, NextEligibleAtMs = Now + 1, Role = null } },
        { "blocked", Ready with { BlockedDeps = 1, NextEligibleAtMs = Now + 1, Role = null } },
        { "waiting", Ready with { NotBeforeMs = Now + 1, Role = null } },
        { "unroutable", Ready with { Role = null } },
        { "ready", Ready },
    };

    [Theory]
    [MemberData(nameof(FirstMatchWins))]
    public void TheFirstMatchingRule_GivesTheStatus(string expected, ClaimState task) => Of(task).Should().Be(expected);

    [Fact]
    public void ATerminalStageWithARole_IsNotDone_ItIsWorkedThere() =>
        Of(Ready with { Terminal = true }).Should().Be("ready");

    [Fact]
    public void ARetryDelayAhead_IsWaiting_AndOneEndingNowIsNot()
    {
        Of(Ready with { NextEligibleAtMs = Now + 1 }).Should().Be("waiting");
        Of(Ready with { NextEligibleAtMs = Now }).Should().Be("ready");
    }

    [Fact]
    public void EveryStatus_IsListedOnce_InRuleOrder() =>
        TaskStatusRule.All.Should().Equal("canceled", "dead_lettered", "done", "leased", "paused", "blocked", "waiting",
            "unroutable", "ready");
}
