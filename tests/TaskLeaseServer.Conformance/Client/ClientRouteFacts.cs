using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Client;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Client;

/// <summary>Issue 13: the typed client against the real server, route by route, with its typed errors.</summary>
public sealed class ClientRouteFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private TaskLeaseClient Client => new(fixture.Server.BaseAddress);

    private static object Definition(string work, string review) => new
    {
        initial = "todo",
        states = new Dictionary<string, object>
        {
            ["todo"] = new { agent_role = work },
            ["review"] = new { agent_role = review },
            ["done"] = new { terminal = true },
            ["dead"] = new { terminal = true },
        },
        transitions = new object[]
        {
            new { from = "todo", to = "review", trigger = "submit" },
            new { from = "review", to = "done", trigger = "approve" },
        },
    };

    private async Task<(string Pipeline, string Work, string Review)> PipelineAsync(TaskLeaseClient client)
    {
        var work = Flow.Unique("coder");
        var review = Flow.Unique("reviewer");
        return (await client.CreatePipelineAsync(Flow.Unique("client"), Definition(work, review)), work, review);
    }

    [Fact]
    public async Task AWholeTaskLifeGoesThroughTheTypedMethods()
    {
        var client = Client;
        var (pipeline, work, review) = await PipelineAsync(client);
        (await client.GetPipelineAsync(pipeline)).Definition.GetProperty("initial").GetString().Should().Be("todo");
        (await client.ListPipelinesAsync()).Should().Contain(p => p.Id == pipeline);

        var upstream = await client.CreateTaskAsync(new NewTask(pipeline, "upstream") { Priority = 5 });
        var ids = await client.CreateTasksAsync([new NewTask(pipeline, "a"), new NewTask(pipeline, "b") { Dependencies = [upstream] }]);
        await client.AddDependencyAsync(ids[0], upstream);
        (await client.ListDependenciesAsync(ids[0])).Should().ContainSingle(d => d.DependsOnTaskId == upstream && !d.Resolved);
        await client.AssignAsync(upstream, "agent-1", "lead");
        (await client.ListAssignmentsAsync(upstream)).Should().ContainSingle(a => a.AgentId == "agent-1" && a.Active);

        (await client.ClaimAsync(new ClaimRequest("agent-2", work))).Should().BeNull("the only ready task is assigned to agent-1");
        var claim = (await client.ClaimAsync(new ClaimRequest("agent-1", work) { LeaseTtlMs = 60_000 }))!;
        claim.Task.Id.Should().Be(upstream);
        claim.LeaseToken.Should().HaveLength(64);
        (await client.AppendEventAsync(claim.Run.Id, claim.LeaseToken, "progress", new { pct = 50 })).Should().BePositive();
        (await client.HeartbeatAsync(claim.LeaseId, claim.LeaseToken)).ExpiresAtMs.Should().BeGreaterThanOrEqualTo(claim.ExpiresAtMs);
        var moved = await client.TransitionAsync(claim.Run.Id, claim.LeaseToken, new TransitionRequest("submit") { ExpectedStage = "todo" });
        moved.Should().Be(new TransitionResult("todo", "review", "submit"));

        var events = new List<RunEvent>();
        await foreach (var e in client.EnumerateRunEventsAsync(claim.Run.Id)) events.Add(e);
        events.Should().ContainSingle(e => e.Kind == "progress").Which.Data.GetProperty("pct").GetInt32().Should().Be(50);

        var details = await client.GetTaskAsync(upstream);
        details.Stage.Should().Be("review");
        details.LatestRun!.Status.Should().Be("completed");
        details.AvailableTransitions.Should().ContainSingle(t => t.Trigger == "approve");
        details.Assignments.Should().ContainSingle(a => a.AgentId == "agent-1");

        await client.UnassignAsync(upstream, "agent-1");
        var reviewClaim = (await client.ClaimAsync(new ClaimRequest("r", review)))!;
        await client.FailAsync(reviewClaim.Run.Id, reviewClaim.LeaseToken, new FailRequest("flaky"));

        var artifact = await client.CreateArtifactAsync(new NewArtifact("patch", "file:///tmp/x.diff") { TaskId = upstream, SizeBytes = 10 });
        (await client.ListArtifactsPageAsync(taskId: upstream)).Items.Should().ContainSingle(a => a.Id == artifact);

        (await client.GetHealthAsync()).Status.Should().Be("ok");
        (await client.GetQueueAsync()).Roles.Should().Contain(r => r.Role == work);
        using var openapi = await client.GetOpenApiAsync();
        openapi.RootElement.GetProperty("openapi").GetString().Should().Be("3.1.0");
    }

    [Fact]
    public async Task EveryPageOfAListIsWalked()
    {
        var client = Client;
        var (pipeline, _, _) = await PipelineAsync(client);
        var created = await client.CreateTasksAsync(Enumerable.Range(0, 25).Select(i => new NewTask(pipeline, "t" + i)).ToList());
        var seen = new List<string>();
        await foreach (var task in client.EnumerateTasksAsync(new TaskQuery { PipelineId = pipeline, Limit = 4 })) seen.Add(task.Id);
        seen.Should().BeEquivalentTo(created, o => o.WithoutStrictOrdering()).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task ErrorAnswersBecomeTypedExceptions()
    {
        var client = Client;
        var (pipeline, work, _) = await PipelineAsync(client);
        var task = await client.CreateTaskAsync(new NewTask(pipeline, "x"));
        var claim = (await client.ClaimAsync(new ClaimRequest("a", work)))!;

        var version = await FluentActions.Awaiting(() => client.TransitionAsync(claim.Run.Id, claim.LeaseToken,
            new TransitionRequest("submit") { ExpectedTaskVersion = 99 })).Should().ThrowAsync<TaskVersionMismatchException>();
        version.Which.Status.Should().Be(409);
        await FluentActions.Awaiting(() => client.TransitionAsync(claim.Run.Id, claim.LeaseToken, new TransitionRequest("approve")))
            .Should().ThrowAsync<InvalidTransitionException>();
        await FluentActions.Awaiting(() => client.TransitionAsync(claim.Run.Id, claim.LeaseToken, new TransitionRequest("submit") { ExpectedStage = "review" }))
            .Should().ThrowAsync<ExpectedStageMismatchException>();
        await FluentActions.Awaiting(() => client.HeartbeatAsync(claim.LeaseId, Flow.ForeignToken()))
            .Should().ThrowAsync<UnauthorizedException>();
        await FluentActions.Awaiting(() => client.GetTaskAsync("no-such-task")).Should().ThrowAsync<NotFoundException>()
            .Where(e => e.Code == "not_found");

        await client.ReleaseAsync(claim.LeaseId, claim.LeaseToken);
        var gone = await FluentActions.Awaiting(() => client.HeartbeatAsync(claim.LeaseId, claim.LeaseToken)).Should().ThrowAsync<LeaseGoneException>();
        gone.Which.Should().BeAssignableTo<LeaseLostException>();
        (await client.GetTaskAsync(task)).Stage.Should().Be("todo");
    }

    [Fact]
    public async Task TheStoreRoundTrips()
    {
        var client = Client;
        var ns = Flow.Unique("ns");
        await client.PutAsync(ns, "k/1", new { title = "quantum widget", status = "open" });
        (await client.GetEntryAsync(ns, "k/1"))!.Value.GetProperty("status").GetString().Should().Be("open");
        (await client.GetEntryAsync(ns, "absent")).Should().BeNull();
        (await client.ListNamespaceAsync(ns)).Should().ContainSingle();
        (await client.SearchStoreAsync(new StoreSearch("quantum") { Namespace = ns, FilterPath = "$.status", FilterValue = "open" }))
            .Should().ContainSingle(e => e.Key == "k/1");
        await client.DeleteEntryAsync(ns, "k/1");
        await client.DeleteNamespaceAsync(ns);
        (await client.ListNamespaceAsync(ns)).Should().BeEmpty();
    }
}

/// <summary>With an API token the client sends it; without it the server's 401 is typed.</summary>
public sealed class ClientAuthFacts(TokenServer fixture) : IClassFixture<TokenServer>
{
    [Fact]
    public async Task TheKeyIsSentAndAMissingOneIsUnauthorized()
    {
        (await new TaskLeaseClient(fixture.Server.BaseAddress, TokenServer.Token).ListPipelinesAsync()).Should().NotBeNull();
        await FluentActions.Awaiting(() => new TaskLeaseClient(fixture.Server.BaseAddress).ListPipelinesAsync())
            .Should().ThrowAsync<UnauthorizedException>();
    }
}
