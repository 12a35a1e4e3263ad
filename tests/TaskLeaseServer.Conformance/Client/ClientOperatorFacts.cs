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
}
