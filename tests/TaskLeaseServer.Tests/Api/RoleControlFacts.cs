using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>Role pause, resume and drain (EXTENSIONS §9) in-process, with the fake clock.</summary>
public sealed class RoleControlFacts
{
    private static async Task<System.Text.Json.JsonElement> Role(ServerFixture server, string role) =>
        (await server.Http.Get("/ops/roles")).Expect(HttpStatusCode.OK).Body.GetProperty("items").EnumerateArray()
            .Single(r => r.GetProperty("role").GetString() == role);

    /// <summary>Moves the fake clock a poll at a time until the drain answers (its waits are on that clock).</summary>
    private static async Task<Answer> Finish(ServerFixture server, Task<Answer> drain)
    {
        for (var i = 0; i < 1_000 && !drain.IsCompleted; i++)
        {
            server.Advance(100);
            await Task.WhenAny(drain, Task.Delay(5));
        }
        return await drain;
    }

    [Fact]
    public async Task APausedRolesClaimsAnswer204_OtherRolesGoOn_AndResumeLetsThemClaim()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        (await server.Http.Post("/ops/roles/coder/pause", """{"reason":"incident 7"}""")).Expect(HttpStatusCode.OK).Body
            .GetProperty("paused").GetBoolean().Should().BeTrue();

        (await server.Http.Claim("coder")).Should().BeNull();
        var coder = await Role(server, "coder");
        coder.EnumerateObject().Select(p => p.Name).Should().Equal("role", "paused", "draining", "pause_reason", "claimable_count",
            "active_leases", "waiting_claims");
        (coder.GetProperty("paused").GetBoolean(), coder.GetProperty("pause_reason").GetString(), coder.GetProperty("claimable_count").GetInt64())
            .Should().Be((true, "incident 7", 1));
        (await Role(server, "reviewer")).GetProperty("paused").GetBoolean().Should().BeFalse();

        (await server.Http.Post("/ops/roles/coder/resume", null)).Expect(HttpStatusCode.OK);
        (await server.Http.Claim("coder")).Should().NotBeNull();
        (await Role(server, "coder")).GetProperty("active_leases").GetInt64().Should().Be(1);
    }

    [Fact]
    public async Task ALeaseHeldWhenTheRoleIsPaused_RunsOn()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder"))!;
        (await server.Http.Post("/ops/pause", null)).Expect(HttpStatusCode.OK).Body.GetProperty("roles").EnumerateArray()
            .Select(r => r.GetString()).Should().Equal("coder", "reviewer");
        (await server.Http.Post($"/leases/{lease.LeaseId}/heartbeat", null, lease.Token)).Expect(HttpStatusCode.OK);
        (await server.Http.Transition(lease, "submit")).Expect(HttpStatusCode.OK);
        (await server.Http.Claim("reviewer")).Should().BeNull("every role is paused");
        (await server.Http.Post("/ops/resume", null)).Expect(HttpStatusCode.OK);
        (await server.Http.Claim("reviewer")).Should().NotBeNull();
    }

    [Fact]
    public async Task Drain_AnswersOnceTheLastLeaseEnds()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder"))!;

        var drain = server.Http.Post("/ops/roles/coder/drain", """{"timeout_ms":300000}""");
        for (var i = 0; i < 100 && !(await Role(server, "coder")).GetProperty("paused").GetBoolean(); i++) await Task.Delay(5);
        var coder = await Role(server, "coder");
        (coder.GetProperty("draining").GetBoolean(), coder.GetProperty("active_leases").GetInt64()).Should().Be((true, 1));
        drain.IsCompleted.Should().BeFalse("a lease is still held");
        (await server.Http.Claim("coder")).Should().BeNull("the drain paused the role");

        (await server.Http.Post($"/leases/{lease.LeaseId}/release", null, lease.Token)).Expect(HttpStatusCode.OK);
        var answer = (await Finish(server, drain)).Expect(HttpStatusCode.OK).Body;
        (answer.GetProperty("role").GetString(), answer.GetProperty("remaining_leases").GetInt64(), answer.GetProperty("timed_out").GetBoolean())
            .Should().Be(("coder", 0, false));
        (await Role(server, "coder")).GetProperty("draining").GetBoolean().Should().BeFalse("no lease is left");
    }

    [Fact]
    public async Task Drain_TimesOutWithTheLeasesLeft_AndDrainAllCountsEveryRole()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        await server.Http.Claim("coder");

        var answer = (await Finish(server, server.Http.Post("/ops/roles/coder/drain", """{"timeout_ms":1000}"""))).Expect(HttpStatusCode.OK).Body;
        (answer.GetProperty("remaining_leases").GetInt64(), answer.GetProperty("timed_out").GetBoolean()).Should().Be((1, true));
        (await server.Http.Post("/ops/roles/reviewer/drain", """{"timeout_ms":0}""")).Expect(HttpStatusCode.OK).Body
            .GetProperty("timed_out").GetBoolean().Should().BeFalse("the reviewer role holds no lease");

        var all = (await Finish(server, server.Http.Post("/ops/drain", """{"timeout_ms":500}"""))).Expect(HttpStatusCode.OK).Body;
        (all.GetProperty("remaining_leases").GetInt64(), all.GetProperty("timed_out").GetBoolean()).Should().Be((1, true));
    }

    [Theory]
    [InlineData("/ops/roles/coder/drain", """{"timeout_ms":300001}""", "invalid_request")]
    [InlineData("/ops/roles/coder/drain", """{"timeout_ms":-1}""", "invalid_request")]
    [InlineData("/ops/roles/coder/drain", """{"timeout_ms":"soon"}""", "invalid_json")]
    [InlineData("/ops/drain", """{"timeout_ms":300001}""", "invalid_request")]
    [InlineData("/ops/roles/coder/pause", """{"reason":5}""", "invalid_json")]
    [InlineData("/ops/roles/coder/pause", "[1]", "invalid_json")]
    [InlineData("/ops/pause", "nope", "invalid_json")]
    public async Task BadBodies_Are400_AndPauseNothing(string path, string body, string code)
    {
        await using var server = new ServerFixture();
        await server.Http.Pipeline();
        (await server.Http.Post(path, body)).ExpectError(HttpStatusCode.BadRequest, code);
        (await Role(server, "coder")).GetProperty("paused").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task ARoleNoPipelineNames_Is404_WithTheKnownRoles()
    {
        await using var server = new ServerFixture();
        await server.Http.Pipeline();
        foreach (var action in new[] { "pause", "resume", "drain" })
        {
            (await server.Http.Post($"/ops/roles/codr/{action}", null)).ExpectError(HttpStatusCode.NotFound, "not_found")
                .Text.Should().Contain("coder, reviewer");
        }
        (await server.Http.Get("/ops/events")).Expect(HttpStatusCode.OK).Body.GetProperty("items").GetArrayLength().Should().Be(0);
    }
}
