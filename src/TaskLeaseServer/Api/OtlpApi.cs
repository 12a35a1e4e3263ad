using System.Text;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Api.Otlp;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

/// <summary>
/// OTLP/HTTP trace ingest (CONTRACT §8.3) on both paths exporters use. JSON bodies are parsed as the
/// contract says; protobuf bodies are also decoded into spans (the reference only kept the bytes),
/// and a protobuf body that cannot be decoded is still kept and answered as the reference did.
/// </summary>
internal static class OtlpApi
{
    public static void MapOtlp(this IEndpointRouteBuilder app)
    {
        foreach (var path in (string[])["/v1/traces", "/otlp/v1/traces"])
        {
            // No Accepts metadata: it would make routing turn away content types, and every one is accepted.
            app.MapResource(path).MapPost("", Ingest).ForAgents().WithMetadata(new BodyLimit(DecodedSpans.MaxBodyBytes))
                .WithDescription("Body: an OTLP ExportTraceServiceRequest, protobuf (decoded) or JSON; any other content type is kept as a blob.")
                .Answers<OtlpIngestResponse>().Errors(400, 401, 413);
        }
    }

    private static Task<Reply> Ingest(HttpContext http, Writes writes)
    {
        var header = http.Request.Headers.ContentType;
        var contentType = OtlpContentType.Normalize(header.Count > 0 ? header[0] : null);
        var payload = ContentEncoding.Decode(http, RequestBody.Of(http), DecodedSpans.MaxBodyBytes);

        OtlpBatch batch;
        IReadOnlyList<OtlpSpan> spans;
        string stored;
        switch (OtlpContentType.EncodingOf(contentType))
        {
            case OtlpEncoding.Json:
                spans = OtlpJson.Decode(payload).Spans;
                batch = new OtlpBatch(contentType, Encoding.UTF8.GetString(payload.Span), null);
                stored = "json";
                break;
            case OtlpEncoding.Protobuf:
                spans = DecodeProtobuf(payload);
                batch = new OtlpBatch(contentType, null, payload.ToArray());
                stored = "blob";
                break;
            default:
                spans = [];
                batch = new OtlpBatch(contentType, null, payload.ToArray());
                stored = "blob";
                break;
        }
        return writes.Run(http, unit =>
            Reply.Ok(new OtlpIngestResponse(unit.Otlp.Ingest(batch, spans), spans.Count, stored), WireJson.Wire.OtlpIngestResponse));
    }

    /// <summary>Undecodable bytes are kept as a blob with no spans: the answer the contract gives every protobuf body.</summary>
    private static IReadOnlyList<OtlpSpan> DecodeProtobuf(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return OtlpProtobuf.Decode(payload.Span).Spans;
        }
        catch (ProtobufFormatException)
        {
            return [];
        }
    }
}
