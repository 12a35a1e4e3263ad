using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

public sealed class PipelineValidationFacts
{
    [Theory]
    [InlineData("""{"initial":"a","states":{"a":{"agent_role":"r"}},"transitions":[{"from":"a","to":"a","trigger":"t"}]}""", "terminal")]
    [InlineData("""{"initial":"x","states":{"a":{"terminal":true}},"transitions":[{"from":"a","to":"a","trigger":"t"}]}""", "\"x\" is not one of the states")]
    [InlineData("""{"initial":"a","states":{"a":{"terminal":true}},"transitions":[{"from":"a","to":"zz","trigger":"t"}]}""", "\"zz\" names an unknown state")]
    [InlineData("""{"initial":"a","states":{"a":{},"b":{"terminal":true}},"transitions":[{"from":"b","to":"a","trigger":"t"}]}""", "\"a\" is not terminal but has no outgoing transition")]
    [InlineData("""{"initial":"a","states":{},"transitions":[{"from":"a","to":"a","trigger":"t"}]}""", "states must not be empty")]
    [InlineData("""{"initial":"a","states":{"a":{"terminal":true}},"transitions":[]}""", "transitions must not be empty")]
    [InlineData("""{"initial":"","states":{"a":{"terminal":true}},"transitions":[{"from":"a","to":"a","trigger":"t"}]}""", "initial must not be empty")]
    [InlineData("""{"initial":"a","states":{"a":{"terminal":"yes"}},"transitions":[{"from":"a","to":"a","trigger":"t"}]}""", "terminal must be true, false or null")]
    [InlineData("""{"initial":"a","states":{"a":{"terminal":true}},"transitions":[{"from":"a","to":"a"}]}""", "trigger is required")]
    [InlineData("""[1,2]""", "must be a JSON object")]
    [InlineData("""null""", "must be a JSON object")]
    public async Task InvalidDefinitions_AreRejectedWithAMessageNamingTheProblem(string definition, string fragment)
    {
        await using var server = new ServerFixture();
        var answer = await server.Http.Post("/pipelines", $$"""{"name":"p","definition":{{definition}}}""");
        answer.ExpectError(HttpStatusCode.BadRequest, "validation_failed");
        answer.Body.GetProperty("error").GetProperty("message").GetString().Should().Contain(fragment);
    }

    [Fact]
    public async Task Definition_IsReturnedAsSubmitted_WithUnknownKeys()
    {
        await using var server = new ServerFixture();
        var definition = """{"initial":"a","x-owner":{"team":"infra"},"states":{"a":{"agent_role":"r","color":"red"},"b":{"terminal":true}},"transitions":[{"from":"a","to":"b","trigger":"go","required_gates":["g1"]}]}""";
        var id = await server.Http.Pipeline(definition);
        var answer = (await server.Http.Get($"/pipelines/{id}")).Expect(HttpStatusCode.OK);
        answer.Body.GetProperty("definition").GetRawText().Should().Be(definition);
    }

    [Fact]
    public async Task TerminalStageWithARole_IsClaimable()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline("""{"initial":"a","states":{"a":{"terminal":true,"agent_role":"archivist"}},"transitions":[{"from":"a","to":"a","trigger":"again"}]}""");
        var task = await server.Http.NewTask(pid);
        (await server.Http.Claim("archivist"))!.TaskId.Should().Be(task);
    }
}
