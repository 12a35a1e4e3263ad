using System.Net;
using System.Text;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Otlp;

/// <summary>What exporters send beyond the reference's 64 KiB plain bodies (CONTRACT W23): gzip, big batches, protobuf.</summary>
public sealed class OtlpTransportFacts
{
    [Fact]
    public async Task GzipJson_IsInflatedAndParsed()
    {
        await using var server = new ServerFixture();
        var json = OtlpClient.JsonRequest("""{"traceId":"gz","spanId":"1","name":"zipped"}""");

        var answer = await server.Http.PostTraces(Encoding.UTF8.GetBytes(json), "application/json", gzip: true);

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Text);
        answer.Stored.Should().Be("json");
        answer.AcceptedSpans.Should().Be(1);
        (await server.Http.AllSpans("trace_id=gz")).Single().GetProperty("name").GetString().Should().Be("zipped");
    }

    [Fact]
    public async Task GzipProtobuf_IsInflatedAndDecoded()
    {
        await using var server = new ServerFixture();
        var body = OtlpProto.Request(r => r.StringAttribute(1, "nulltickets.run_id", "run-gz"), "scope", "2",
            OtlpProto.Span([0xAB, 0xCD], [0x01], "first"), OtlpProto.Span([0xAB, 0xCD], [0x02], "second"));

        var answer = await server.Http.PostTraces(body, "application/x-protobuf", "/otlp/v1/traces", gzip: true);

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Text);
        answer.Stored.Should().Be("blob");
        answer.AcceptedSpans.Should().Be(2);
        var spans = await server.Http.AllSpans("run_id=run-gz");
        spans.Select(s => s.GetProperty("name").GetString()).Should().Equal("first", "second");
        spans.Should().OnlyContain(s => s.GetProperty("trace_id").GetString() == "abcd");
    }

    [Fact]
    public async Task Gzip_ThatInflatesPastTheCap_Is413()
    {
        await using var server = new ServerFixture();
        var bomb = new byte[9 << 20]; // 9 MiB of zeros: a few KiB once compressed

        var answer = await server.Http.PostTraces(bomb, "application/x-protobuf", gzip: true);

        answer.Status.Should().Be(HttpStatusCode.RequestEntityTooLarge, answer.Text);
        answer.ErrorCode.Should().Be("payload_too_large");
    }

    [Fact]
    public async Task Gzip_HeaderOnABodyThatIsNotGzip_Is400()
    {
        await using var server = new ServerFixture();
        using var content = new ByteArrayContent("{}"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        content.Headers.ContentEncoding.Add("gzip");

        var answer = await server.Http.Exchange(new HttpRequestMessage(HttpMethod.Post, "/v1/traces") { Content = content });

        answer.Status.Should().Be(HttpStatusCode.BadRequest, answer.Text);
        answer.ErrorCode.Should().Be("invalid_request");
        answer.ErrorMessage.Should().Contain("gzip");
    }

    [Fact]
    public async Task TwoMebibyteJsonBatch_IsAccepted()
    {
        await using var server = new ServerFixture();
        var spans = string.Join(",", Enumerable.Range(0, 8_000).Select(i =>
            $$$"""{"traceId":"big","spanId":"{{{i:x16}}}","name":"span {{{i}}}","startTimeUnixNano":"{{{1_700_000_000_000_000_000L + i}}}","attributes":[{"key":"nulltickets.task_id","value":{"stringValue":"task-big"}},{"key":"padding","value":{"stringValue":"{{{new string('x', 120)}}}"}}]}"""));
        var body = Encoding.UTF8.GetBytes(OtlpClient.JsonRequest(spans));
        body.Length.Should().BeGreaterThan(2 << 20);

        var answer = await server.Http.PostTraces(body, "application/json");

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Text);
        answer.AcceptedSpans.Should().Be(8_000);
        (await server.Http.AllSpans("task_id=task-big")).Should().HaveCount(8_000);
    }

    [Fact]
    public async Task Body_PastEightMebibytes_Is413()
    {
        await using var server = new ServerFixture();

        var answer = await server.Http.PostTraces(new byte[(8 << 20) + 1], "application/x-protobuf");

        answer.Status.Should().Be(HttpStatusCode.RequestEntityTooLarge, answer.Text);
        answer.ErrorCode.Should().Be("payload_too_large");
    }

    [Fact]
    public async Task ResourceAttributesCopiedOntoTooManySpans_Is413_NotAnExplosion()
    {
        await using var server = new ServerFixture();
        // 1 MiB of resource attributes would be copied onto each of 100 spans.
        var body = OtlpProto.Request(r => r.StringAttribute(1, "big", new string('r', 1 << 20)), "s", "1",
            Enumerable.Range(1, 100).Select(i => OtlpProto.Span([1], [(byte)i], "s")).ToArray());

        var answer = await server.Http.PostTraces(body, "application/x-protobuf");

        answer.Status.Should().Be(HttpStatusCode.RequestEntityTooLarge, answer.Text);
        answer.ErrorCode.Should().Be("payload_too_large");
    }
}
