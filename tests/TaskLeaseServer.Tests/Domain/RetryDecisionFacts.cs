using FluentAssertions;
using TaskLeaseServer.Domain;
using Xunit;

namespace TaskLeaseServer.Tests.Domain;

public sealed class RetryDecisionFacts
{
    private const long Now = 1_800_000_000_000;

    private static bool Known(string stage) => stage is "todo" or "dead";

    [Fact]
    public void BelowMaxAttempts_TheTaskIsRetriedAfterItsDelay()
    {
        var decision = RetryDecision.For(failedAttempts: 2, maxAttempts: 3, retryDelayMs: 5_000, "dead", Known, Now);

        decision.Should().Be(new RetryDecision(false, null, Now + 5_000));
    }

    [Fact]
    public void WithoutMaxAttempts_TheTaskIsRetriedForever() =>
        RetryDecision.For(1_000_000, maxAttempts: null, 0, "dead", Known, Now).DeadLetter.Should().BeFalse();

    [Fact]
    public void AtMaxAttempts_TheTaskIsDeadLetteredIntoItsDeadLetterStage_NeverEligibleAgain()
    {
        var decision = RetryDecision.For(failedAttempts: 3, maxAttempts: 3, retryDelayMs: 5_000, "dead", Known, Now);

        decision.Should().Be(new RetryDecision(true, "dead", Limits.NeverEligibleMs, RetryDecision.Exhausted));
    }

    [Fact]
    public void ADeadLetterStageThePipelineLacks_LeavesTheTaskWhereItIs() =>
        RetryDecision.For(1, 1, 0, "nowhere", Known, Now).Should().Be(new RetryDecision(true, null, Limits.NeverEligibleMs, RetryDecision.Exhausted));

    [Fact]
    public void WithoutADeadLetterStage_TheTaskStaysInItsStage() =>
        RetryDecision.For(1, 1, 0, null, Known, Now).DeadLetterStage.Should().BeNull();

    [Fact]
    public void ANegativeDelay_RetriesAtOnce() =>
        RetryDecision.For(1, null, -50, null, Known, Now).NextEligibleAtMs.Should().Be(Now);

    [Fact]
    public void AHugeDelay_Saturates() =>
        RetryDecision.For(1, null, long.MaxValue, null, Known, Now).NextEligibleAtMs.Should().Be(long.MaxValue);

    [Fact]
    public void TheReason_IsTheContractsWord() => RetryDecision.Exhausted.Should().Be("max_attempts_exceeded");

    [Fact]
    public void ANonRetryableFailure_DeadLettersAtOnce_WithAttemptsLeft() =>
        RetryDecision.For(1, 5, 1_000, "dead", Known, Now, retryable: false)
            .Should().Be(new RetryDecision(true, "dead", Limits.NeverEligibleMs, RetryDecision.NonRetryable));

    [Fact]
    public void ANonRetryableFailure_DeadLettersEvenWithoutMaxAttempts() =>
        RetryDecision.For(1, null, 0, null, Known, Now, retryable: false).Reason.Should().Be("non_retryable");
}
