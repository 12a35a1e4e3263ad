using FluentAssertions;
using TaskLeaseServer.Client;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Client;

/// <summary>Issue 13: the operator surface through the typed client (keys, role controls).</summary>
public sealed class ClientOperatorFacts(TokenServer fixture) : IClassFixture<TokenServer>
{
    private TaskLeaseClient Admin => new(fixture.Server.BaseAddress, TokenServer.Token);

    [Fact]
    public async Task AScopedKeyWorksWithinItsScopeAndNotAfterItIsRevoked()
    {
        var created = await Admin.CreateKeyAsync(Flow.Unique("reader"), ["read"]);
        created.Key.Should().NotBeNullOrEmpty();
        var reader = new TaskLeaseClient(fixture.Server.BaseAddress, created.Key);

        (await reader.ListPipelinesAsync()).Should().NotBeNull();
        var denied = await FluentActions.Awaiting(() => reader.CreatePipelineAsync(Flow.Unique("p"), new { })).Should().ThrowAsync<ForbiddenException>();
        denied.Which.ServerMessage.Should().Contain("operator");

        var listed = new List<ApiKey>();
        await foreach (var k in Admin.EnumerateKeysAsync()) listed.Add(k);
        listed.Should().Contain(k => k.Id == created.Id && k.Key == null, "a listing never shows a key");

        await Admin.RevokeKeyAsync(created.Id);
        await FluentActions.Awaiting(() => reader.ListPipelinesAsync()).Should().ThrowAsync<UnauthorizedException>();
    }

    [Fact]
    public async Task APausedRoleHandsOutNothingUntilItIsResumed()
    {
        var client = Admin;
        var role = Flow.Unique("paused");
        var pipeline = await client.CreatePipelineAsync(role, WorkerHarness.TwoStageDefinition(role));
        var task = await client.CreateTaskAsync(new NewTask(pipeline, "t"));

        (await client.PauseRoleAsync(role, "incident")).Paused.Should().BeTrue();
        (await client.ListRolesAsync()).Should().ContainSingle(r => r.Role == role).Which.Paused.Should().BeTrue();
        (await client.ClaimAsync(new ClaimRequest("a", role))).Should().BeNull();
        var drained = await client.DrainRoleAsync(role, timeoutMs: 1_000);
        drained.Should().Be(new DrainResult(role, 0, false));

        (await client.ResumeRoleAsync(role)).Paused.Should().BeFalse();
        (await client.ClaimAsync(new ClaimRequest("a", role)))!.Task.Id.Should().Be(task);
        var events = new List<OpsEvent>();
        await foreach (var e in client.EnumerateOpsEventsAsync()) if (e.Role == role) events.Add(e);
        events.Select(e => e.Kind).Should().Contain(["role_paused", "role_resumed"]);
    }

    [Fact]
    public async Task BulkActionsGoThroughTheirTypedMethods()
    {
        var client = Admin;
        var role = Flow.Unique("bulk");
        var pipeline = await client.CreatePipelineAsync(role, WorkerHarness.TwoStageDefinition(role));
        var ids = await client.CreateTasksAsync([new NewTask(pipeline, "a"), new NewTask(pipeline, "b"), new NewTask(pipeline, "c")]);

        (await client.BulkPauseAsync(BulkAction.ForIds(ids[0], ids[1]) with { Reason = "hold" })).Items.Should().OnlyContain(i => i.Ok).And.HaveCount(2);
        (await client.GetTaskAsync(ids[0])).Status.Should().Be("paused");
        var dry = await client.BulkResumeAsync(BulkAction.Matching(new TaskFilter { PipelineId = pipeline, Status = "paused" }) with { DryRun = true });
        (dry.Matched, dry.Items.Count).Should().Be((2, 0), "a dry run only counts");
        (await client.BulkResumeAsync(BulkAction.Matching(new TaskFilter { PipelineId = pipeline, Status = "paused" }))).Matched.Should().Be(2);
        (await client.BulkCancelAsync(BulkAction.ForIds(ids[2]) with { Reason = "dup" })).Items.Should().ContainSingle(i => i.Ok);
        (await client.BulkRequeueAsync(BulkAction.ForIds(ids[2]))).Items.Should().ContainSingle(i => i.Ok);
        (await client.GetTaskAsync(ids[2])).Status.Should().Be("ready");
        (await client.BulkDeleteAsync(BulkAction.Matching(new TaskFilter { PipelineId = pipeline }))).Matched.Should().Be(3);
        (await client.ListTasksPageAsync(new TaskQuery { PipelineId = pipeline })).Items.Should().BeEmpty();
        await FluentActions.Awaiting(() => client.BulkCancelAsync(new BulkAction())).Should().ThrowAsync<ArgumentException>();

        var index = await client.GetIndexAsync();
        (index.Name, index.Links.Openapi).Should().Be(("TaskLeaseServer", "/openapi.json"));
    }
}
