using FluentAssertions;
using TaskLeaseServer.Domain;
using Xunit;

namespace TaskLeaseServer.Tests.Domain;

public sealed class LeasePolicyFacts
{
    private const long Now = 1_800_000_000_000;
    private static readonly byte[] Hash = [1, 2, 3, 4];
    private static readonly byte[] OtherHash = [1, 2, 3, 5];

    [Theory]
    [InlineData(null, 300_000)]
    [InlineData(5_000L, 5_000)]
    [InlineData(1_000L, 1_000)]
    [InlineData(999L, 1_000)]
    [InlineData(0L, 1_000)]
    [InlineData(-5L, 1_000)]
    [InlineData(long.MinValue, 1_000)]
    [InlineData(86_400_000L, 86_400_000)]
    [InlineData(86_400_001L, 86_400_000)]
    [InlineData(long.MaxValue, 86_400_000)]
    public void AClaimTtl_IsClampedBetweenOneSecondAndOneDay_AndDefaultsToFiveMinutes(long? requested, long expected) =>
        LeasePolicy.ClaimTtl(requested).Should().Be(expected);

    [Fact]
    public void AHeartbeatWithoutATtl_ExtendsByTheGrantedTtl() =>
        LeasePolicy.HeartbeatExpiry(Now + 10, grantedTtlMs: 60_000, requestedTtlMs: null, Now).Should().Be(Now + 60_000);

    [Fact]
    public void AHeartbeatWithATtl_ExtendsByThatTtl_NotTheGrantedOne() =>
        LeasePolicy.HeartbeatExpiry(Now + 10, grantedTtlMs: 60_000, requestedTtlMs: 5_000, Now).Should().Be(Now + 5_000);

    [Theory]
    [InlineData(1L, 1_000)]
    [InlineData(0L, 1_000)]
    [InlineData(-1L, 1_000)]
    [InlineData(1_000_000_000_000L, 86_400_000)]
    public void AHeartbeatsOwnTtl_IsClampedLikeAClaims(long requested, long expectedTtl) =>
        LeasePolicy.HeartbeatExpiry(Now, grantedTtlMs: 60_000, requested, Now).Should().Be(Now + expectedTtl);

    [Fact]
    public void AHeartbeat_NeverShortensTheLease()
    {
        var current = Now + 100_000;

        LeasePolicy.HeartbeatExpiry(current, grantedTtlMs: 1_000, requestedTtlMs: null, Now).Should().Be(current);
        LeasePolicy.HeartbeatExpiry(current, grantedTtlMs: 60_000, requestedTtlMs: 2_000, Now).Should().Be(current);
    }

    [Fact]
    public void AHeartbeatNearTheEndOfTime_SaturatesInsteadOfOverflowing() =>
        LeasePolicy.HeartbeatExpiry(long.MaxValue - 20, grantedTtlMs: 60_000, requestedTtlMs: null, long.MaxValue - 10)
            .Should().Be(long.MaxValue);

    [Fact]
    public void AWrongToken_IsAMismatch_EvenWhenTheLeaseHasAlsoExpired()
    {
        var check = () => LeasePolicy.Check(Hash, expiresAtMs: Now - 1, OtherHash, Now);

        check.Should().Throw<DomainError>().Which.Fault.Should().Be(Fault.LeaseTokenMismatch);
    }

    [Fact]
    public void TheRightTokenPastTheExpiry_IsExpired()
    {
        var check = () => LeasePolicy.Check(Hash, expiresAtMs: Now - 1, [.. Hash], Now);

        check.Should().Throw<DomainError>().Which.Fault.Should().Be(Fault.LeaseExpired);
    }

    [Fact]
    public void ALeaseExpiringExactlyNow_IsAlreadyExpired()
    {
        var check = () => LeasePolicy.Check(Hash, expiresAtMs: Now, [.. Hash], Now);

        check.Should().Throw<DomainError>().Which.Fault.Should().Be(Fault.LeaseExpired);
    }

    [Fact]
    public void TheRightTokenBeforeTheExpiry_Passes()
    {
        var check = () => LeasePolicy.Check(Hash, expiresAtMs: Now + 1, [.. Hash], Now);

        check.Should().NotThrow();
    }

    [Fact]
    public void TheExpiredError_SaysToClaimAgain() =>
        LeasePolicy.Expired().Message.Should().Contain("claim the task again");
}
