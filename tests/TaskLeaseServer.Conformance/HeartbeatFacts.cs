using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>§12 items 80-84: heartbeat (CONTRACT §3.2, §8.18, §11 W8).</summary>
public sealed class HeartbeatFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    private async Task<Lease> LeaseAsync(long? ttl = null)
    {
        var pipeline = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(pipeline.Id);
        return await Api.ClaimOneAsync(pipeline.WorkRole, ttl: ttl);
    }

    [Fact]
    public async Task Item080_HeartbeatAnswers200WithNowPlus300000()
    {
        var lease = await LeaseAsync();
        var before = Clock.NowMs();
        var response = await Api.HeartbeatAsync(lease);
        var after = Clock.NowMs();
        Expect.Status(response, 200);
        response.Json.EnumerateObject().Select(p => p.Name).Should().Contain("expires_at_ms");
        response.Json.Int("expires_at_ms").Should().BeInRange(before + 300_000, after + 300_000);

        // The body is ignored: nothing, or anything at all.
        Expect.Status(await Api.PostAsync($"/leases/{lease.LeaseId}/heartbeat", auth: lease.Auth), 200);
        Expect.Status(await Api.PostAsync($"/leases/{lease.LeaseId}/heartbeat", "not json at all", lease.Auth), 200);
        Expect.Status(await Api.PostAsync($"/leases/{lease.LeaseId}/heartbeat", "[1,2]", lease.Auth), 200);
    }

    /// <summary>
    /// Product decision: a heartbeat extends by the TTL the lease was granted (300,000 ms when the
    /// claim named none, as the reference always did), or by the heartbeat's own lease_ttl_ms, and
    /// never shortens the lease. A dead agent that claimed 5 s keeps its task for 5 s, not 5 minutes.
    /// </summary>
    [Fact]
    public async Task HeartbeatExtendsByTheGrantedTtl_AndNeverShortens()
    {
        var longLease = await LeaseAsync(ttl: 3_600_000);
        var before = Clock.NowMs();
        var response = await Api.HeartbeatAsync(longLease);
        Expect.Status(response, 200);
        response.Json.Int("expires_at_ms").Should().BeInRange(before + 3_600_000, Clock.NowMs() + 3_600_000);

        var shortLease = await LeaseAsync(ttl: 5_000);
        before = Clock.NowMs();
        var extended = await Api.HeartbeatAsync(shortLease);
        Expect.Status(extended, 200);
        extended.Json.Int("expires_at_ms").Should().BeInRange(before + 5_000, Clock.NowMs() + 5_000);

        var shorter = await Api.PostAsync($"/leases/{longLease.LeaseId}/heartbeat", """{"lease_ttl_ms":1000}""", Api.Bearer(longLease.Token));
        Expect.Status(shorter, 200);
        shorter.Json.Int("expires_at_ms").Should().BeGreaterThanOrEqualTo(response.Json.Int("expires_at_ms"));
    }

    [Fact]
    public async Task AHeartbeatOfALeaseClaimedWithoutATtl_ExtendsByFiveMinutes()
    {
        var lease = await LeaseAsync();
        var before = Clock.NowMs();
        var response = await Api.HeartbeatAsync(lease);
        Expect.Status(response, 200);
        response.Json.Int("expires_at_ms").Should().BeInRange(before + 300_000, Clock.NowMs() + 300_000);
    }

    [Fact]
    public async Task Item081_HeartbeatWithoutAuthorizationOrWithAWrongTokenAnswers401()
    {
        var lease = await LeaseAsync();
        Expect.Error(await Api.PostAsync($"/leases/{lease.LeaseId}/heartbeat", "{}", auth: ""), 401, "unauthorized");
        Expect.Error(await Api.HeartbeatAsync(lease, Api.Bearer(Flow.ForeignToken())), 401, "unauthorized");
        Expect.Error(await Api.HeartbeatAsync(lease, lease.Token), 401, "unauthorized");
        Expect.Error(await Api.HeartbeatAsync(lease, "bearer " + lease.Token), 401, "unauthorized");
        Expect.Status(await Api.HeartbeatAsync(lease), 200);
    }

    [Fact]
    public async Task Item082_NonHexTokenAnswers401EvenForAnUnknownLease()
    {
        var unknown = Guid.NewGuid();
        foreach (var token in new[] { new string('z', 64), "abc", "ab", new string('a', 63), new string('a', 66), new string('a', 128), "" })
        {
            Expect.Error(await Api.PostAsync($"/leases/{unknown}/heartbeat", "{}", "Bearer " + token), 401, "unauthorized");
        }
    }

    [Fact]
    public async Task Item083_WellFormedTokenOnUnknownLeaseAnswers404()
    {
        Expect.Error(await Api.PostAsync($"/leases/{Guid.NewGuid()}/heartbeat", "{}", Api.Bearer(Flow.ForeignToken())), 404, "not_found");
        var lease = await LeaseAsync();
        Expect.Error(await Api.PostAsync($"/leases/{Guid.NewGuid()}/heartbeat", "{}", lease.Auth), 404, "not_found");
        Expect.Error(await Api.PostAsync($"/leases/{lease.RunId}/heartbeat", "{}", lease.Auth), 404, "not_found");
    }

    [Fact]
    public async Task Item084_UpperCaseHexFormOfTheTokenIsAccepted()
    {
        var lease = await LeaseAsync();
        Expect.Status(await Api.HeartbeatAsync(lease, Api.Bearer(lease.Token.ToUpperInvariant())), 200);
        var mixed = string.Concat(lease.Token.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c));
        Expect.Status(await Api.HeartbeatAsync(lease, Api.Bearer(mixed)), 200);
        Expect.Status(await Api.AppendEventAsync(lease, "note", auth: Api.Bearer(lease.Token.ToUpperInvariant())), 201);
    }
}
