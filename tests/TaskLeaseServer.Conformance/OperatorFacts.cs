using System.Text.Json.Nodes;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>Scoped keys, role controls and per-stage limits (EXTENSIONS §9, §12, §13) against the real process, on either engine.</summary>
public sealed class OperatorFacts(TokenServer tokenServer) : IClassFixture<TokenServer>
{
    private Api Admin => tokenServer.Api;

    private async Task<string> NewKey(string scope)
    {
        var created = await Admin.PostAsync("/ops/keys", new JsonObject { ["name"] = Flow.Unique(scope), ["scopes"] = new JsonArray(scope) }.ToJsonString());
        Expect.Status(created, 201);
        return created.Json.GetProperty("key").GetString()!;
    }

    [Fact]
    public async Task KeysOpenTheirScope_AreRefused403AboveIt_And401OnceRevoked()
    {
        var reader = await NewKey("read");
        using var asReader = new Api(tokenServer.Server.BaseAddress, Api.Bearer(reader));
        Expect.Status(await asReader.GetAsync("/tasks"), 200);
        var denied = await asReader.PostAsync("/pipelines", "{}");
        Expect.Error(denied, 403, "forbidden");
        denied.Body.Should().Contain("lacks the operator scope");

        var listed = await Admin.GetAsync("/ops/keys?limit=1000");
        Expect.Status(listed, 200);
        listed.Body.Should().NotContain(reader, "a listing never shows a key");
        var id = listed.Json.GetProperty("items").EnumerateArray().Last().GetProperty("id").GetString()!;
        Expect.Status(await Admin.DeleteAsync("/ops/keys/" + id), 200);
        Expect.Error(await asReader.GetAsync("/tasks"), 401, "unauthorized");
    }

    [Fact]
    public async Task APausedRoleClaimsNothing_UntilResumed()
    {
        var pipeline = await Admin.CreatePipelineAsync();
        await Admin.CreateTaskAsync(pipeline.Id);
        Expect.Status(await Admin.PostAsync($"/ops/roles/{pipeline.WorkRole}/pause", """{"reason":"incident"}"""), 200);
        (await Admin.ClaimAsync(pipeline.WorkRole)).Should().BeNull();
        var roles = await Admin.GetAsync("/ops/roles");
        roles.Json.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("role").GetString() == pipeline.WorkRole)
            .GetProperty("paused").GetBoolean().Should().BeTrue();
        Expect.Status(await Admin.PostAsync($"/ops/roles/{pipeline.WorkRole}/resume", null), 200);
        (await Admin.ClaimAsync(pipeline.WorkRole)).Should().NotBeNull();
    }

    [Fact]
    public async Task ThirtyTwoAgentsRacingForAStageWithMaxConcurrent3_WinExactlyThreeLeases()
    {
        var role = Flow.Unique("limited");
        var definition = JsonNode.Parse($$$"""
            {"initial":"todo","states":{"todo":{"agent_role":"{{{role}}}","max_concurrent":3},"done":{"terminal":true}},
             "transitions":[{"from":"todo","to":"done","trigger":"finish"}]}
            """)!;
        var pid = await Admin.CreatePipelineAsync(Flow.Unique("limited"), definition);
        for (var i = 0; i < 40; i++) await Admin.CreateTaskAsync(pid);

        for (var round = 0; round < 3; round++)
        {
            var claims = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Admin.ClaimAsync(role, $"agent-{round}-{i}")));
            var live = await Admin.GetAsync("/ops/queue");
            var entry = live.Json.GetProperty("roles").EnumerateArray().Single(r => r.GetProperty("role").GetString() == role);
            entry.GetProperty("active_leases").GetInt64().Should().Be(3, "round {0}", round);
            entry.GetProperty("max_concurrent").GetInt64().Should().Be(3);
            // One finishes: the next round races for its place.
            var done = claims.First(c => c is not null)!;
            Expect.Status(await Admin.TransitionAsync(done, "finish"), 200);
        }
    }
}
