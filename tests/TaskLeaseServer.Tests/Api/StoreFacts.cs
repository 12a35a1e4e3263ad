using System.Net;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>Put, get, list and delete (CONTRACT §8.26-8.30; §12 items 123-130).</summary>
public sealed class StoreFacts
{
    internal static Task<Answer> Put(HttpClient http, string path, string body) => http.Send(HttpMethod.Put, path, body);

    [Fact] // §12.123
    public async Task Put_AnswersNoContentWithAnEmptyBody()
    {
        await using var server = new ServerFixture();
        var answer = (await Put(server.Http, "/store/ns/key", """{"value":{"a":1}}""")).Expect(HttpStatusCode.NoContent);
        answer.Text.Should().BeEmpty();
    }

    [Fact] // §12.124
    public async Task Get_ReturnsTheEntry_AndAMissingKeyIsNotFound()
    {
        await using var server = new ServerFixture();
        await Put(server.Http, "/store/ns/key", """{"value":{"a":[1,"two",null]}}""");

        var entry = (await server.Http.Get("/store/ns/key")).Expect(HttpStatusCode.OK).Body;
        entry.EnumerateObject().Select(p => p.Name).Should().Equal("namespace", "key", "value", "created_at_ms", "updated_at_ms");
        entry.GetProperty("namespace").GetString().Should().Be("ns");
        entry.GetProperty("key").GetString().Should().Be("key");
        entry.GetProperty("value").GetRawText().Should().Be("""{"a":[1,"two",null]}""");
        entry.GetProperty("created_at_ms").GetInt64().Should().Be(server.Now);

        (await server.Http.Get("/store/ns/other")).ExpectError(HttpStatusCode.NotFound, "not_found");
    }

    [Fact] // §12.125
    public async Task SecondPut_KeepsCreatedAt_AndUpdatesValueAndUpdatedAt()
    {
        await using var server = new ServerFixture();
        await Put(server.Http, "/store/ns/key", """{"value":1}""");
        var created = server.Now;
        server.Advance(1_000);
        (await Put(server.Http, "/store/ns/key", """{"value":2}""")).Expect(HttpStatusCode.NoContent);

        var entry = (await server.Http.Get("/store/ns/key")).Body;
        entry.GetProperty("value").GetInt64().Should().Be(2);
        entry.GetProperty("created_at_ms").GetInt64().Should().Be(created);
        entry.GetProperty("updated_at_ms").GetInt64().Should().Be(created + 1_000);
    }

    [Fact] // §12.126
    public async Task PathSegments_ArePercentDecoded_AndAnEncodedSlashStaysInsideTheKey()
    {
        await using var server = new ServerFixture();
        (await Put(server.Http, "/store/team%20alpha/key%2F1", """{"value":"x"}""")).Expect(HttpStatusCode.NoContent);

        var entry = (await server.Http.Get("/store/team%20alpha/key%2F1")).Expect(HttpStatusCode.OK).Body;
        entry.GetProperty("namespace").GetString().Should().Be("team alpha");
        entry.GetProperty("key").GetString().Should().Be("key/1");
        (await server.Http.Get("/store/team%20alpha")).Body.EnumerateArray().Single()
            .GetProperty("key").GetString().Should().Be("key/1");
    }

    [Fact] // §12.127, W2
    public async Task PutIntoTheSearchNamespace_IsReserved_WithAValidJsonEnvelope()
    {
        await using var server = new ServerFixture();
        (await Put(server.Http, "/store/search/k", """{"value":1}""")).ExpectError(HttpStatusCode.BadRequest, "reserved_namespace");
        (await Put(server.Http, "/store/search/k", "not json")).ExpectError(HttpStatusCode.BadRequest, "reserved_namespace");
        (await server.Http.Get("/store/search/k")).ExpectError(HttpStatusCode.NotFound, "not_found");
    }

    [Fact] // §12.128, W2
    public async Task PutWithoutValue_IsInvalidJson_ButANullValueIsStored()
    {
        await using var server = new ServerFixture();
        (await Put(server.Http, "/store/ns/k", """{"other":1}""")).ExpectError(HttpStatusCode.BadRequest, "invalid_json");
        (await Put(server.Http, "/store/ns/k", "")).ExpectError(HttpStatusCode.BadRequest, "invalid_json");
        (await Put(server.Http, "/store/ns/k", "[1]")).ExpectError(HttpStatusCode.BadRequest, "invalid_json");

        (await Put(server.Http, "/store/ns/k", """{"value":null}""")).Expect(HttpStatusCode.NoContent);
        (await server.Http.Get("/store/ns/k")).Body.GetProperty("value").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Theory] // CONTRACT §1.3: no Content-Type is required (a hub proxies bodies without one)
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task Put_AcceptsAnyContentType(string? contentType)
    {
        await using var server = new ServerFixture();
        (await server.Http.SendWithContentType(HttpMethod.Put, "/store/ns/k", """{"value":"proxied"}""", contentType))
            .Should().Be(HttpStatusCode.NoContent);
        (await server.Http.Get("/store/ns/k")).Body.GetProperty("value").GetString().Should().Be("proxied");
    }

    [Fact] // §12.129
    public async Task ListNamespace_IsABareArraySortedByKeyInByteOrder_AndEmptyForAnUnknownNamespace()
    {
        await using var server = new ServerFixture();
        foreach (var key in new[] { "b", "a", "B", "%C3%A9", "a1" })
            await Put(server.Http, $"/store/ns/{key}", """{"value":0}""");
        await Put(server.Http, "/store/other/zz", """{"value":0}""");

        var list = (await server.Http.Get("/store/ns")).Expect(HttpStatusCode.OK).Body;
        list.ValueKind.Should().Be(JsonValueKind.Array);
        list.EnumerateArray().Select(e => e.GetProperty("key").GetString()).Should().Equal("B", "a", "a1", "b", "é");
        (await server.Http.Get("/store/nobody")).Body.GetRawText().Should().Be("[]");
    }

    [Fact]
    public async Task OnlyTheExactDecodedWordSearch_IsReserved()
    {
        await using var server = new ServerFixture();
        (await Put(server.Http, "/store/SEARCH/k", """{"value":1}""")).Expect(HttpStatusCode.NoContent);
        (await server.Http.Get("/store/SEARCH/k")).Expect(HttpStatusCode.OK);
        (await Put(server.Http, "/store/sear%63h/k", """{"value":1}""")).ExpectError(HttpStatusCode.BadRequest, "reserved_namespace");
        (await server.Http.Get("/store/sear%63h?q=k")).Expect(HttpStatusCode.OK).Body.GetArrayLength().Should().Be(1);
    }

    [Fact] // §12.130
    public async Task Deletes_AnswerNoContent_EvenWhenNothingExists()
    {
        await using var server = new ServerFixture();
        (await server.Http.Delete("/store/ns/missing")).Expect(HttpStatusCode.NoContent).Text.Should().BeEmpty();
        (await server.Http.Delete("/store/missing")).Expect(HttpStatusCode.NoContent).Text.Should().BeEmpty();

        await Put(server.Http, "/store/ns/a", """{"value":1}""");
        await Put(server.Http, "/store/ns/b", """{"value":2}""");
        await Put(server.Http, "/store/keep/a", """{"value":3}""");
        (await server.Http.Delete("/store/ns/a")).Expect(HttpStatusCode.NoContent);
        (await server.Http.Get("/store/ns/a")).ExpectError(HttpStatusCode.NotFound, "not_found");
        (await server.Http.Delete("/store/ns")).Expect(HttpStatusCode.NoContent);
        (await server.Http.Get("/store/ns")).Body.GetArrayLength().Should().Be(0);
        (await server.Http.Get("/store/keep/a")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Writes_TakePartInIdempotency()
    {
        await using var server = new ServerFixture();
        (await server.Http.Send(HttpMethod.Put, "/store/ns/k", """{"value":1}""", idempotencyKey: "k")).Expect(HttpStatusCode.NoContent);
        (await server.Http.Send(HttpMethod.Put, "/store/ns/k", """{"value":2}""", idempotencyKey: "k"))
            .ExpectError(HttpStatusCode.Conflict, "idempotency_conflict");
        (await server.Http.Send(HttpMethod.Put, "/store/search/k", """{"value":1}""", idempotencyKey: "r"))
            .ExpectError(HttpStatusCode.BadRequest, "reserved_namespace");
        (await server.Http.Send(HttpMethod.Put, "/store/search/k", """{"value":1}""", idempotencyKey: "r"))
            .ExpectError(HttpStatusCode.BadRequest, "reserved_namespace");
        (await server.Http.Get("/store/ns/k")).Body.GetProperty("value").GetInt64().Should().Be(1);
    }
}
