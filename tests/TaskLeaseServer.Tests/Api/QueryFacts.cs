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

public sealed class InMemoryDatabaseFacts
{
    [Fact]
    public async Task AMemoryDatabase_IsSharedByTheWriterAndTheReaders()
    {
        using var database = new TaskLeaseServer.Storage.Sqlite.SqliteDatabase(new TaskLeaseServer.Storage.Sqlite.StorageOptions(":memory:"));
        database.Migrate();
        using var writer = new TaskLeaseServer.Storage.Sqlite.WriteQueue(database, TimeProvider.System);
        await writer.Write(ctx => Dapper.SqlMapper.Execute(ctx.Db, "INSERT INTO stage_counts (stage, count) VALUES ('s', 7)"));
        using var reader = database.OpenRead();
        Dapper.SqlMapper.ExecuteScalar<long>(reader, "SELECT count FROM stage_counts WHERE stage = 's'").Should().Be(7);
        File.Exists(":memory:").Should().BeFalse();
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
