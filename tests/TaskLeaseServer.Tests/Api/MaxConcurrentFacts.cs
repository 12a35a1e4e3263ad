using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>Per-stage max_concurrent (EXTENSIONS §12): validated at POST /pipelines, enforced by claim, shown by GET /ops/queue.</summary>
public sealed class MaxConcurrentFacts
{
    private const string Limited = """
        {"initial":"todo","states":{"todo":{"agent_role":"coder","max_concurrent":2},"review":{"agent_role":"reviewer"},"done":{"terminal":true}},
         "transitions":[{"from":"todo","to":"review","trigger":"submit"},{"from":"review","to":"done","trigger":"approve"}]}
        """;

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("\"3\"")]
    [InlineData("true")]
    [InlineData("{}")]
    public async Task AMaxConcurrentThatIsNotAnIntegerOfAtLeastOne_Is400_NamingTheState(string value)
    {
        await using var server = new ServerFixture();
        var definition = $$$"""{"initial":"a","states":{"a":{"agent_role":"r","max_concurrent":{{{value}}}},"b":{"terminal":true}},"transitions":[{"from":"a","to":"b","trigger":"t"}]}""";
        var answer = (await server.Http.Post("/pipelines", $$"""{"name":"p","definition":{{definition}}}""")).ExpectError(HttpStatusCode.BadRequest, "validation_failed");
        answer.Text.Should().Contain("state \\\"a\\\".max_concurrent must be an integer of at least 1");
        (await server.Http.Get("/pipelines")).Body.GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task AMaxConcurrentOnAStageNobodyClaims_Is400()
    {
        await using var server = new ServerFixture();
        var definition = """{"initial":"a","states":{"a":{"agent_role":"r"},"b":{"terminal":true,"max_concurrent":1}},"transitions":[{"from":"a","to":"b","trigger":"t"}]}""";
        (await server.Http.Post("/pipelines", $$"""{"name":"p","definition":{{definition}}}""")).ExpectError(HttpStatusCode.BadRequest, "validation_failed")
            .Text.Should().Contain("needs an agent_role");
    }

    [Fact]
    public async Task ClaimsStopAtTheLimit_AndOpsQueueShowsTheLimitAndTheLeases()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline(Limited);
        for (var i = 0; i < 3; i++) await server.Http.NewTask(pid);
        var first = await server.Http.Claim("coder", "a");
        (await server.Http.Claim("coder", "b")).Should().NotBeNull();
        (await server.Http.Claim("coder", "c")).Should().BeNull("two live leases is the limit of todo");

        var roles = (await server.Http.Get("/ops/queue")).Expect(HttpStatusCode.OK).Body.GetProperty("roles").EnumerateArray().ToList();
        var coder = roles.Single(r => r.GetProperty("role").GetString() == "coder");
        (coder.GetProperty("active_leases").GetInt64(), coder.GetProperty("max_concurrent").GetInt64(), coder.GetProperty("claimable_count").GetInt64())
            .Should().Be((2, 2, 1));
        var stage = coder.GetProperty("limited_stages").EnumerateArray().Single();
        (stage.GetProperty("pipeline_id").GetString(), stage.GetProperty("stage").GetString(), stage.GetProperty("max_concurrent").GetInt64(),
            stage.GetProperty("active_leases").GetInt64()).Should().Be((pid, "todo", 2, 2));
        roles.Single(r => r.GetProperty("role").GetString() == "reviewer").TryGetProperty("max_concurrent", out _).Should().BeFalse(
            "a role without a limited stage keeps the contract's shape");

        (await server.Http.Transition(first!, "submit")).Expect(HttpStatusCode.OK);
        (await server.Http.Claim("coder", "c")).Should().NotBeNull("the submitted task left todo");
    }
}
