using System.Net;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Otlp;

/// <summary>CONTRACT §8.3 and checklist items 137-142, plus the JSON-mode fixes of W23.</summary>
public sealed class OtlpIngestFacts
{
    private const string OneSpan = """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t1","spanId":"s1"}]}]}]}""";

    [Fact]
    public async Task Json_OneSpanWithIds_IsAcceptedAndStoredAsJson()
    {
        await using var server = new ServerFixture();

        var answer = await server.Http.PostJson(OneSpan);

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Text);
        answer.Json.EnumerateObject().Select(p => p.Name).Should().Equal("batch_id", "accepted_spans", "stored");
        answer.Json.GetProperty("batch_id").ValueKind.Should().Be(JsonValueKind.Number);
        answer.AcceptedSpans.Should().Be(1);
        answer.Stored.Should().Be("json");
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF })]            // not protobuf at all
    [InlineData(new byte[] { 0x0A, 0x05, 0x01 })]            // a length that runs past the end
    [InlineData(new byte[] { 0x0A, 0x00 })]                  // one empty resource_spans: decodes, holds no spans
    [InlineData(new byte[] { 0x68, 0x65, 0x6C, 0x6C, 0x6F })] // "hello": field 13, then an obsolete group tag
    public async Task Protobuf_WithoutDecodableSpans_IsStoredAsBlobWithNoSpans(byte[] body)
    {
        await using var server = new ServerFixture();

        var answer = await server.Http.PostTraces(body, "application/x-protobuf", "/otlp/v1/traces");

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Text);
        answer.AcceptedSpans.Should().Be(0);
        answer.Stored.Should().Be("blob");
    }

    [Fact]
    public async Task ContentType_MissingMeansBlob_AndJsonWithParametersMeansJson()
    {
        await using var server = new ServerFixture();

        var bare = await server.Http.PostTraces("""{"resourceSpans":[]}"""u8.ToArray(), contentType: null);
        var withCharset = await server.Http.PostTraces(System.Text.Encoding.UTF8.GetBytes(OneSpan), "Application/JSON ; charset=utf-8");

        bare.Status.Should().Be(HttpStatusCode.OK, bare.Text);
        bare.Stored.Should().Be("blob");
        withCharset.Status.Should().Be(HttpStatusCode.OK, withCharset.Text);
        withCharset.Stored.Should().Be("json");
        withCharset.AcceptedSpans.Should().Be(1);
    }

    [Fact]
    public async Task OtherContentTypes_AreKeptAsOpaqueBlobs()
    {
        await using var server = new ServerFixture();

        var answer = await server.Http.PostTraces(OtlpProto.Request(_ => { }, "s", "1",
            OtlpProto.Span([1], [2], "looks like protobuf")), "text/plain");

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Text);
        answer.Stored.Should().Be("blob");
        answer.AcceptedSpans.Should().Be(0);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("")]
    [InlineData("{} trailing")]
    public async Task Json_Malformed_Is400InvalidJson(string body)
    {
        await using var server = new ServerFixture();

        var answer = await server.Http.PostJson(body);

        answer.Status.Should().Be(HttpStatusCode.BadRequest, answer.Text);
        answer.ErrorCode.Should().Be("invalid_json");
        answer.ErrorMessage.Should().StartWith("OTLP JSON could not be parsed");
    }

    [Theory]
    [InlineData("""{"resourceSpans":{}}""", "resourceSpans")]
    [InlineData("""{"resourceSpans":[5]}""", "resourceSpans[0]")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":5,"spanId":"s"}]}]}]}""", "traceId")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"s","startTimeUnixNano":true}]}]}]}""", "startTimeUnixNano")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"s","attributes":[{"value":{}}]}]}]}]}""", "key")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"s","attributes":[{"key":"k"}]}]}]}]}""", "value")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"scope":{"name":1},"spans":[]}]}]}""", "scope.name")]
    [InlineData("""{"resourceSpans":[{"resource":{"attributes":{}}}]}""", "resource.attributes")]
    [InlineData("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"s","status":{"message":3}}]}]}]}""", "status.message")]
    public async Task Json_RecognisedPropertyOfTheWrongType_Is400NamingIt(string body, string named)
    {
        await using var server = new ServerFixture();

        var answer = await server.Http.PostJson(body);

        answer.Status.Should().Be(HttpStatusCode.BadRequest, answer.Text);
        answer.ErrorCode.Should().Be("invalid_json");
        answer.ErrorMessage.Should().StartWith("OTLP JSON could not be parsed").And.Contain(named);
    }

    [Fact]
    public async Task Json_SpansWithoutTraceIdOrSpanId_AreSkipped_AndAnEmptyObjectIsValid()
    {
        await using var server = new ServerFixture();

        var partial = await server.Http.PostJson("""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
              {"traceId":"t1","spanId":"s1"},{"spanId":"s2"},{"traceId":"t3"},{"traceId":null,"spanId":"s4"},{"traceId":"t5","spanId":"s5"}]}]}]}
            """);
        var empty = await server.Http.PostJson("{}");

        partial.AcceptedSpans.Should().Be(2);
        empty.Status.Should().Be(HttpStatusCode.OK, empty.Text);
        empty.AcceptedSpans.Should().Be(0);
        empty.Stored.Should().Be("json");
    }

    [Fact]
    public async Task Json_LegacyInstrumentationLibrarySpans_AreCounted_AndBatchIdsGrowAcrossModes()
    {
        await using var server = new ServerFixture();

        var legacy = await server.Http.PostJson("""
            {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"a"}]}],
              "instrumentationLibrarySpans":[{"instrumentationLibrary":{"name":"old-lib","version":"0.1"},"spans":[{"traceId":"t","spanId":"b"}]}]}]}
            """);
        var blob = await server.Http.PostTraces([], "application/x-protobuf");
        var json = await server.Http.PostJson("{}");

        legacy.AcceptedSpans.Should().Be(2);
        blob.BatchId.Should().BeGreaterThan(legacy.BatchId);
        json.BatchId.Should().BeGreaterThan(blob.BatchId);
        var spans = await server.Http.AllSpans("trace_id=t");
        spans.Select(s => s.GetProperty("scope_name").GetString()).Should().Equal(null, "old-lib");
    }

    [Fact]
    public async Task Json_StartAndEndTimes_MayBeStringsOrNumbers()
    {
        await using var server = new ServerFixture();

        var answer = await server.Http.PostJson(OtlpClient.JsonRequest("""
            {"traceId":"t","spanId":"string","startTimeUnixNano":"1700000000000000001","endTimeUnixNano":"1700000000000000002"},
            {"traceId":"t","spanId":"number","startTimeUnixNano":1700000000000000001,"endTimeUnixNano":1700000000000000002},
            {"traceId":"t","spanId":"exponent","startTimeUnixNano":1.7e18,"endTimeUnixNano":17e17},
            {"traceId":"t","spanId":"unreadable","startTimeUnixNano":"soon","endTimeUnixNano":1.5}
            """));

        answer.AcceptedSpans.Should().Be(4);
        var spans = (await server.Http.AllSpans("trace_id=t")).ToDictionary(s => s.GetProperty("span_id").GetString()!);
        Nanos(spans["string"]).Should().Be((1700000000000000001L, 1700000000000000002L));
        Nanos(spans["number"]).Should().Be((1700000000000000001L, 1700000000000000002L));
        Nanos(spans["exponent"]).Should().Be((1700000000000000000L, 1700000000000000000L));
        spans["unreadable"].GetProperty("start_time_unix_nano").ValueKind.Should().Be(JsonValueKind.Null);
        spans["unreadable"].GetProperty("end_time_unix_nano").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Json_SpanFields_AreStoredAsTheContractDescribes()
    {
        await using var server = new ServerFixture();

        await server.Http.PostJson(OtlpClient.JsonRequest("""
            {"traceId":"T","spanId":"S","parentSpanId":"P","name":"work","kind":2,"unknown":{"x":1},
             "attributes":[{"key":"a","value":{"intValue":"5"}}],"status":{"code":"STATUS_CODE_ERROR","message":"bad"}},
            {"traceId":"T","spanId":"S2","kind":{"odd":true},"status":{"code":2}}
            """, """[{"key":"service.name","value":{"stringValue":"svc"}}]"""));

        var spans = await server.Http.AllSpans("trace_id=T");
        var full = spans[0];
        full.GetProperty("name").GetString().Should().Be("work");
        full.GetProperty("parent_span_id").GetString().Should().Be("P");
        full.GetProperty("kind").GetString().Should().Be("2");
        full.GetProperty("status_code").GetString().Should().Be("STATUS_CODE_ERROR");
        full.GetProperty("status_message").GetString().Should().Be("bad");
        full.GetProperty("attributes").GetRawText().Should().Be("""[{"key":"a","value":{"intValue":"5"}}]""");
        full.GetProperty("resource_attributes").GetRawText().Should().Be("""[{"key":"service.name","value":{"stringValue":"svc"}}]""");
        full.GetProperty("scope_name").GetString().Should().Be("test-scope");
        full.GetProperty("scope_version").GetString().Should().Be("1.0");
        var bare = spans[1];
        bare.GetProperty("name").GetString().Should().Be("unnamed");
        bare.GetProperty("kind").GetString().Should().Be("""{"odd":true}""");
        bare.GetProperty("status_code").GetString().Should().Be("2");
        bare.GetProperty("attributes").GetRawText().Should().Be("[]");
    }

    [Fact]
    public async Task Linking_SpanAttributeFirst_ThenResourceAttribute()
    {
        await using var server = new ServerFixture();

        await server.Http.PostJson(OtlpClient.JsonRequest("""
            {"traceId":"L","spanId":"own","attributes":[{"key":"nulltickets.run_id","value":{"stringValue":"run-span"}},
                                                       {"key":"nulltickets.run_id","value":{"stringValue":"second-ignored"}}]},
            {"traceId":"L","spanId":"inherits"},
            {"traceId":"L","spanId":"null-falls-back","attributes":[{"key":"nulltickets.run_id","value":{"stringValue":null}},
                                                                    {"key":"nulltickets.task_id","value":null}]},
            {"traceId":"L","spanId":"typed","attributes":[{"key":"nulltickets.task_id","value":{"intValue":42}},
                                                          {"key":"nulltickets.run_id","value":{"other":1}}]}
            """, """[{"key":"nulltickets.run_id","value":{"stringValue":"run-resource"}},{"key":"nulltickets.task_id","value":"task-resource"}]"""));

        var spans = (await server.Http.AllSpans("trace_id=L")).ToDictionary(s => s.GetProperty("span_id").GetString()!);
        Links(spans["own"]).Should().Be(("run-span", "task-resource"));
        Links(spans["inherits"]).Should().Be(("run-resource", "task-resource"));
        Links(spans["null-falls-back"]).Should().Be(("run-resource", "task-resource"));
        Links(spans["typed"]).Should().Be(("""{"other":1}""", "42"));
    }

    [Fact]
    public async Task IdempotencyKey_ReplaysTheSameBatch()
    {
        await using var server = new ServerFixture();
        var body = System.Text.Encoding.UTF8.GetBytes(OneSpan);

        var first = await server.Http.PostTraces(body, "application/json", idempotencyKey: "k1");
        var again = await server.Http.PostTraces(body, "application/json", idempotencyKey: "k1");

        again.Text.Should().Be(first.Text);
        (await server.Http.AllSpans("trace_id=t1")).Should().HaveCount(1);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesIngestAndSpans_WithTheContractsSchemaName()
    {
        await using var server = new ServerFixture();

        var document = JsonDocument.Parse(await server.Http.GetStringAsync("/openapi.json")).RootElement;

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/v1/traces", "/otlp/v1/traces" })
        {
            paths.GetProperty(path).GetProperty("post").GetProperty("responses").GetProperty("200").GetRawText()
                .Should().Contain("#/components/schemas/OtlpIngestResponse");
        }
        paths.GetProperty("/spans").GetProperty("get").GetProperty("responses").GetProperty("200").GetRawText()
            .Should().Contain("#/components/schemas/PaginatedSpans");
    }

    private static (long?, long?) Nanos(JsonElement span) =>
        (span.GetProperty("start_time_unix_nano").GetInt64(), span.GetProperty("end_time_unix_nano").GetInt64());

    private static (string?, string?) Links(JsonElement span) =>
        (span.GetProperty("run_id").GetString(), span.GetProperty("task_id").GetString());
}
