using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

public sealed class QueryFacts
{
    [Theory]
    [InlineData("?cursor")]
    [InlineData("?stage")]
    [InlineData("?LIMIT=0")]
    [InlineData("?Stage=review")]
    [InlineData("?limit=abc")]
    public async Task NamesAreLiteral_AndPairsWithoutAValueAreIgnored(string query)
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        (await server.Http.Get("/tasks" + query)).Expect(HttpStatusCode.OK).Body.GetProperty("items").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task ValuesAreDecoded_AndTheFirstOccurrenceWins()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        (await server.Http.Get($"/tasks?pipeline_id={pid}&pipeline_id=other&stage=t%6Fdo")).Body.GetProperty("items").GetArrayLength().Should().Be(1);
        (await server.Http.Get($"/tasks?pipeline_id=other&pipeline_id={pid}")).Body.GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task SearchWithABareQ_IsMissingParam()
    {
        await using var server = new ServerFixture();
        (await server.Http.Get("/store/search?q")).ExpectError(HttpStatusCode.BadRequest, "missing_param");
    }
}

public sealed class PathSegmentFacts
{
    [Fact]
    public async Task ANonUtf8Id_MatchesNothing_ButANonUtf8StoreKeyIsNotWritten()
    {
        await using var server = new ServerFixture();
        (await server.Http.Get("/tasks/%C3%28%FF")).ExpectError(HttpStatusCode.NotFound, "not_found");
        (await server.Http.Get("/store/ns/%FF")).ExpectError(HttpStatusCode.NotFound, "not_found");
        (await server.Http.Send(HttpMethod.Put, "/store/ns/%FF", """{"value":1}""")).ExpectError(HttpStatusCode.BadRequest, "invalid_request");
        (await server.Http.Send(HttpMethod.Put, "/store/ns/%C3%A9", """{"value":1}""")).Expect(HttpStatusCode.NoContent);
        (await server.Http.Get("/store/ns/%C3%A9")).Expect(HttpStatusCode.OK).Str("key").Should().Be("é");
    }
}
