using System.Net;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>GET /ops/queue (CONTRACT §8.25; §12 items 118-122).</summary>
public sealed class OpsQueueFacts
{
    private const string BuildAndCheck = """
        {"initial":"build","states":{"build":{"agent_role":"builder"},"check":{"agent_role":"coder"},"end":{"terminal":true}},
         "transitions":[{"from":"build","to":"check","trigger":"built"},{"from":"check","to":"end","trigger":"ok"}]}
        """;

    private static async Task<JsonElement> Role(ServerFixture server, string role, string query = "") =>
        (await server.Http.Get("/ops/queue" + query)).Expect(HttpStatusCode.OK).Body.GetProperty("roles").EnumerateArray()
            .Single(r => r.GetProperty("role").GetString() == role);

    private static long Count(JsonElement role, string name) => role.GetProperty(name).GetInt64();

    [Fact] // §12.118, §12.121
    public async Task EveryRoleOfEveryPipelineIsListed_InFirstAppearanceOrder_EvenWithoutTasks()
    {
        await using var server = new ServerFixture();
        var twoStage = await server.Http.Pipeline();
        var buildAndCheck = await server.Http.Pipeline(BuildAndCheck);
        var pairs = new Dictionary<string, string[]>
        {
            [twoStage] = ["reviewer", "coder"],       // stages review, todo in byte order
            [buildAndCheck] = ["builder", "coder"],   // stages build, check
        };
        var expected = pairs.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value).Distinct().ToList();

        var body = (await server.Http.Get("/ops/queue")).Expect(HttpStatusCode.OK).Body;
        body.EnumerateObject().Select(p => p.Name).Should().Equal("roles", "generated_at_ms");
        body.GetProperty("generated_at_ms").GetInt64().Should().Be(server.Now);
        var roles = body.GetProperty("roles").EnumerateArray().ToList();
        roles.Select(r => r.GetProperty("role").GetString()).Should().Equal(expected);
        foreach (var role in roles)
        {
            role.EnumerateObject().Select(p => p.Name).Should().Equal("role", "claimable_count", "oldest_claimable_age_ms",
                "failed_count", "stuck_count", "near_expiry_leases");
            role.GetProperty("oldest_claimable_age_ms").ValueKind.Should().Be(JsonValueKind.Null);
            foreach (var count in new[] { "claimable_count", "failed_count", "stuck_count", "near_expiry_leases" })
                Count(role, count).Should().Be(0);
        }
    }

    [Fact]
    public async Task WithoutPipelines_TheRoleListIsEmpty()
    {
        await using var server = new ServerFixture();
        (await server.Http.Get("/ops/queue")).Expect(HttpStatusCode.OK).Body.GetProperty("roles").GetArrayLength().Should().Be(0);
    }

    [Fact] // §12.119, §12.121
    public async Task Claimable_ExcludesBlockedLeasedDelayedAndDeadLetteredTasks()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid, "\"priority\":30,\"retry_policy\":{\"max_attempts\":1}");
        server.Advance(10);
        var delayedCreatedAt = server.Now;
        await server.Http.NewTask(pid, "\"priority\":20,\"retry_policy\":{\"retry_delay_ms\":60000}");
        server.Advance(10);
        await server.Http.NewTask(pid, "\"priority\":10");
        server.Advance(10);
        var readyCreatedAt = server.Now;
        var ready = await server.Http.NewTask(pid);
        await server.Http.NewTask(pid, $"\"dependencies\":[\"{ready}\"]");

        (await server.Http.Fail((await server.Http.Claim("coder"))!)).Expect(HttpStatusCode.OK);   // dead-lettered
        (await server.Http.Fail((await server.Http.Claim("coder"))!)).Expect(HttpStatusCode.OK);   // waits 60 s
        (await server.Http.Claim("coder")).Should().NotBeNull();                                   // leased
        server.Advance(1_000);

        var coder = await Role(server, "coder");
        Count(coder, "claimable_count").Should().Be(1);
        Count(coder, "oldest_claimable_age_ms").Should().Be(server.Now - readyCreatedAt);
        Count(coder, "failed_count").Should().Be(2);

        server.Advance(60_000);
        coder = await Role(server, "coder");
        Count(coder, "claimable_count").Should().Be(2, "the retry delay has passed, even before any sweep");
        Count(coder, "oldest_claimable_age_ms").Should().Be(server.Now - delayedCreatedAt);
        await server.Sweep();
        Count(await Role(server, "coder"), "claimable_count").Should().Be(2);
    }

    [Fact] // §12.120
    public async Task Claimable_IncludesTasksAssignedToSomeone()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid, "\"assigned_agent_id\":\"alice\"");
        (await server.Http.Claim("coder", "bob")).Should().BeNull();
        Count(await Role(server, "coder"), "claimable_count").Should().Be(1);
    }

    [Fact] // §12.121
    public async Task OldestAge_IsNull_WhenNothingIsClaimable()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        await server.Http.Claim("coder");
        var coder = await Role(server, "coder");
        Count(coder, "claimable_count").Should().Be(0);
        coder.GetProperty("oldest_claimable_age_ms").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact] // §12.122
    public async Task NearExpiryAndStuck_FollowTheirWindows()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        await server.Http.Claim("coder"); // lease until now + 300000

        var coder = await Role(server, "coder");
        Count(coder, "near_expiry_leases").Should().Be(0);
        Count(coder, "stuck_count").Should().Be(0);
        Count(await Role(server, "coder", "?near_expiry_ms=300000"), "near_expiry_leases").Should().Be(1);

        server.Advance(240_000);
        coder = await Role(server, "coder");
        Count(coder, "near_expiry_leases").Should().Be(1, "it expires within the default 60 s");
        Count(coder, "stuck_count").Should().Be(0);
        Count(await Role(server, "coder", "?stuck_ms=240000"), "stuck_count").Should().Be(1);

        server.Advance(60_000);
        coder = await Role(server, "coder");
        Count(coder, "stuck_count").Should().Be(1, "started 300 s ago and not yet swept");
        Count(coder, "near_expiry_leases").Should().Be(0, "a lease expiring now is expired, not near expiry");
        Count(await Role(server, "reviewer"), "stuck_count").Should().Be(0);
    }

    [Fact]
    public async Task FailedCount_FollowsTheTaskIntoItsCurrentStage()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        (await server.Http.Fail((await server.Http.Claim("coder"))!)).Expect(HttpStatusCode.OK);
        Count(await Role(server, "coder"), "failed_count").Should().Be(1);

        (await server.Http.Transition((await server.Http.Claim("coder"))!, "submit")).Expect(HttpStatusCode.OK);
        Count(await Role(server, "coder"), "failed_count").Should().Be(0);
        Count(await Role(server, "reviewer"), "failed_count").Should().Be(1, "failures from earlier stages travel with the task");
    }

    [Theory]
    [InlineData("?near_expiry_ms=abc&stuck_ms=", 0, 0)]
    [InlineData("?near_expiry_ms=9223372036854775807&stuck_ms=-9223372036854775808", 1, 1)]
    [InlineData("?near_expiry_ms=-9223372036854775808&stuck_ms=9223372036854775807", 0, 0)]
    [InlineData("?near_expiry_ms=-5&stuck_ms=-5", 0, 1)]
    public async Task DurationParameters_AreReadLeniently(string query, long near, long stuck)
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        await server.Http.Claim("coder");
        var coder = await Role(server, "coder", query);
        Count(coder, "near_expiry_leases").Should().Be(near);
        Count(coder, "stuck_count").Should().Be(stuck);
    }
}
