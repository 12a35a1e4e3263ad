using System.Net;
using System.Text;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

public sealed class ClaimFacts
{
    [Fact]
    public async Task Claim_PicksHighestPriorityThenOldestThenLowestId()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var low = await server.Http.NewTask(pid, "\"priority\":1");
        server.Advance(1);
        var oldHigh = await server.Http.NewTask(pid, "\"priority\":9");
        server.Advance(1);
        var newHigh = await server.Http.NewTask(pid, "\"priority\":9");

        (await server.Http.Claim("coder"))!.TaskId.Should().Be(oldHigh);
        (await server.Http.Claim("coder"))!.TaskId.Should().Be(newHigh);
        (await server.Http.Claim("coder"))!.TaskId.Should().Be(low);
        (await server.Http.Claim("coder")).Should().BeNull();
    }

    [Fact]
    public async Task Claim_BreaksFullTiesByInsertionOrder()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var ids = (await server.Http.Post("/tasks/bulk", $$"""{"tasks":[{{string.Join(",", Enumerable.Repeat($$"""{"pipeline_id":"{{pid}}","title":"t","description":"d"}""", 5))}}]}"""))
            .Expect(HttpStatusCode.Created).Body.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToList();

        var claimed = new List<string>();
        while (await server.Http.Claim("coder") is { } lease) claimed.Add(lease.TaskId);
        claimed.Should().Equal(ids);
    }

    [Fact]
    public async Task Claim_RespectsTheRoleOfTheTasksOwnPipeline()
    {
        await using var server = new ServerFixture();
        var a = await server.Http.Pipeline("""{"initial":"work","states":{"work":{"agent_role":"coder"},"end":{"terminal":true}},"transitions":[{"from":"work","to":"end","trigger":"t"}]}""");
        var b = await server.Http.Pipeline("""{"initial":"work","states":{"work":{"agent_role":"writer"},"end":{"terminal":true}},"transitions":[{"from":"work","to":"end","trigger":"t"}]}""");
        var forWriter = await server.Http.NewTask(b);
        var forCoder = await server.Http.NewTask(a);
        (await server.Http.Claim("writer"))!.TaskId.Should().Be(forWriter);
        (await server.Http.Claim("coder"))!.TaskId.Should().Be(forCoder);
        (await server.Http.Claim("nobody")).Should().BeNull();
    }

    [Fact]
    public async Task Claim_FindsTheOneClaimableTaskBelowTenThousandBlockedOnes()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var upstream = await server.Http.NewTask(pid, "\"priority\":-100");
        await server.Http.Post($"/tasks/{upstream}/assignments", """{"agent_id":"someone-else"}""");
        for (var batch = 0; batch < 40; batch++)
        {
            var items = Enumerable.Range(0, 250).Select(_ =>
                $$"""{"pipeline_id":"{{pid}}","title":"b","description":"","priority":1000,"dependencies":["{{upstream}}"]}""");
            (await server.Http.Post("/tasks/bulk", $$"""{"tasks":[{{string.Join(",", items)}}]}""")).Expect(HttpStatusCode.Created);
        }
        var claimable = await server.Http.NewTask(pid, "\"priority\":0");

        (await server.Http.Claim("coder"))!.TaskId.Should().Be(claimable);
        (await server.Http.Claim("coder")).Should().BeNull("the blocked tasks wait for their upstream and the upstream is assigned away");
    }

    [Fact]
    public async Task Claim_ReleasesDependentsWhenTheUpstreamReachesATerminalStage()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var upstream = await server.Http.NewTask(pid);
        var dependent = await server.Http.NewTask(pid, $$"""
            "priority":5,"dependencies":["{{upstream}}"]
            """);

        var first = (await server.Http.Claim("coder"))!;
        first.TaskId.Should().Be(upstream);
        (await server.Http.Claim("coder")).Should().BeNull();
        (await server.Http.Transition(first, "submit")).Expect(HttpStatusCode.OK);
        (await server.Http.Transition((await server.Http.Claim("reviewer"))!, "approve")).Expect(HttpStatusCode.OK);

        (await server.Http.Claim("coder"))!.TaskId.Should().Be(dependent);
    }

    [Fact]
    public async Task Claim_HonoursAssignments()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid, "\"assigned_agent_id\":\"alice\"");
        (await server.Http.Claim("coder", "bob")).Should().BeNull();
        (await server.Http.Claim("coder", "alice"))!.TaskId.Should().Be(task);
    }

    [Fact]
    public async Task Claim_UnassignedTaskBecomesClaimableByAnyone()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid, "\"assigned_agent_id\":\"alice\"");
        (await server.Http.Delete($"/tasks/{task}/assignments/alice")).Expect(HttpStatusCode.OK);
        (await server.Http.Claim("coder", "bob"))!.TaskId.Should().Be(task);
    }

    [Fact]
    public async Task Claim_PerStateLimitCountsLeasesInThatStage()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        for (var i = 0; i < 3; i++) await server.Http.NewTask(pid);
        const string limit = "\"concurrency\":{\"per_state\":{\"todo\":2}}";
        var first = (await server.Http.Claim("coder", extra: limit))!;
        (await server.Http.Claim("coder", extra: limit)).Should().NotBeNull();
        (await server.Http.Claim("coder", extra: limit)).Should().BeNull();
        (await server.Http.Transition(first, "submit")).Expect(HttpStatusCode.OK);
        (await server.Http.Claim("coder", extra: limit)).Should().NotBeNull();
    }

    [Fact]
    public async Task Claim_DoesNotChangeTheTask()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid);
        var before = await server.Http.Task(task);
        server.Advance(5);
        await server.Http.Claim("coder");
        var after = await server.Http.Task(task);
        after.GetProperty("task_version").GetInt64().Should().Be(before.GetProperty("task_version").GetInt64());
        after.GetProperty("updated_at_ms").GetInt64().Should().Be(before.GetProperty("updated_at_ms").GetInt64());
    }

    [Theory]
    [InlineData(null, 300_000L)]
    [InlineData(60_000L, 60_000L)]
    [InlineData(1L, 1_000L)]
    [InlineData(-5L, 1_000L)]
    [InlineData(999_999_999_999L, 86_400_000L)]
    public async Task Claim_ClampsTheLeaseTtl(long? requested, long granted)
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder", extra: requested is null ? "" : $"\"lease_ttl_ms\":{requested}"))!;
        lease.ExpiresAtMs.Should().Be(server.Now + granted);
    }

    [Fact]
    public async Task Claim_RejectsANonObjectConcurrency()
    {
        await using var server = new ServerFixture();
        (await server.Http.Post("/leases/claim", """{"agent_id":"a","agent_role":"r","concurrency":5}"""))
            .ExpectError(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Fact]
    public async Task Dependencies_RejectCycles()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var a = await server.Http.NewTask(pid);
        var b = await server.Http.NewTask(pid, $"\"dependencies\":[\"{a}\"]");
        var c = await server.Http.NewTask(pid, $"\"dependencies\":[\"{b}\"]");
        (await server.Http.Post($"/tasks/{a}/dependencies", $$"""{"depends_on_task_id":"{{c}}"}"""))
            .ExpectError(HttpStatusCode.BadRequest, "invalid_dependency");
        (await server.Http.Get($"/tasks/{a}/dependencies")).Body.GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task BulkCreate_IsAllOrNothing()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var body = new StringBuilder($$"""{"tasks":[{"pipeline_id":"{{pid}}","title":"a","description":""},""");
        body.Append("""{"pipeline_id":"nope","title":"b","description":""}]}""");
        (await server.Http.Post("/tasks/bulk", body.ToString())).ExpectError(HttpStatusCode.NotFound, "pipeline_not_found");
        (await server.Http.Get("/tasks")).Body.GetProperty("items").GetArrayLength().Should().Be(0);
    }
}

public sealed class BodyContentTypeFacts
{
    [Theory]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task BodiesAreParsed_WhateverTheContentType(string? contentType)
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        (await server.Http.SendWithContentType(HttpMethod.Post, "/tasks", $$"""{"pipeline_id":"{{pid}}","title":"t","description":"d"}""", contentType))
            .Should().Be(HttpStatusCode.Created);
    }
}
