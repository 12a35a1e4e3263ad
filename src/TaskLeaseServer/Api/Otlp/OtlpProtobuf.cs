using System.Globalization;
using System.Text;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api.Otlp;

/// <summary>
/// Decodes an OTLP/protobuf ExportTraceServiceRequest into spans (the reference only kept the bytes).
/// Field numbers are those of opentelemetry-proto; unknown fields are skipped. Fields may arrive in
/// any order, so each message that others depend on (resource, scope) is read before its spans.
/// A field that is not on the wire reads as null, as an absent property does in JSON mode.
/// Malformed input raises <see cref="ProtobufFormatException"/> and nothing else.
/// </summary>
public static class OtlpProtobuf
{
    // ExportTraceServiceRequest.resource_spans
    private const int ResourceSpansField = 1;
    // ResourceSpans: resource, scope_spans, and the pre-1.0 instrumentation_library_spans that
    // JSON mode also reads (its messages have the same layout as ScopeSpans).
    private const int ResourceField = 1;
    private const int ScopeSpansField = 2;
    private const int LegacyScopeSpansField = 1000;

    public static DecodedSpans Decode(ReadOnlySpan<byte> body)
    {
        var spans = new DecodedSpans();
        var reader = new ProtoReader(body);
        while (!reader.AtEnd)
        {
            var (field, type) = reader.ReadTag();
            if (field == ResourceSpansField) ReadResourceSpans(reader.ReadLengthDelimited(type), spans);
            else reader.Skip(type);
        }
        return spans;
    }

    private static void ReadResourceSpans(ReadOnlySpan<byte> message, DecodedSpans spans)
    {
        var attributes = new KeyValueJson();
        var reader = new ProtoReader(message);
        while (!reader.AtEnd)
        {
            var (field, type) = reader.ReadTag();
            // Resource.attributes = 1; a repeated message field merges, so every occurrence adds.
            if (field == ResourceField) ForEach(reader.ReadLengthDelimited(type), 1, attributes.Add);
            else reader.Skip(type);
        }
        var resource = new ResourceContext(attributes.ToJson(), attributes.RunId, attributes.TaskId);

        foreach (var scopeField in (ReadOnlySpan<int>)[ScopeSpansField, LegacyScopeSpansField])
        {
            reader = new ProtoReader(message);
            while (!reader.AtEnd)
            {
                var (field, type) = reader.ReadTag();
                if (field == scopeField) ReadScopeSpans(reader.ReadLengthDelimited(type), resource, spans);
                else reader.Skip(type);
            }
        }
    }

    /// <summary>ScopeSpans: scope = 1 (InstrumentationScope: name = 1, version = 2), spans = 2.</summary>
    private static void ReadScopeSpans(ReadOnlySpan<byte> message, ResourceContext resource, DecodedSpans spans)
    {
        string? name = null, version = null;
        var reader = new ProtoReader(message);
        while (!reader.AtEnd)
        {
            var (field, type) = reader.ReadTag();
            if (field != 1)
            {
                reader.Skip(type);
                continue;
            }
            var scope = new ProtoReader(reader.ReadLengthDelimited(type));
            while (!scope.AtEnd)
            {
                var (scopeField, scopeType) = scope.ReadTag();
                switch (scopeField)
                {
                    case 1: name = Text(scope.ReadLengthDelimited(scopeType)); break;
                    case 2: version = Text(scope.ReadLengthDelimited(scopeType)); break;
                    default: scope.Skip(scopeType); break;
                }
            }
        }

        var context = resource with { ScopeName = name, ScopeVersion = version };
        reader = new ProtoReader(message);
        while (!reader.AtEnd)
        {
            var (field, type) = reader.ReadTag();
            if (field != 2)
            {
                reader.Skip(type);
                continue;
            }
            if (ReadSpan(reader.ReadLengthDelimited(type), context) is { } span) spans.Add(span);
        }
    }

    /// <summary>One Span message; null when it lacks a trace or span id (skipped, as in JSON mode).</summary>
    private static OtlpSpan? ReadSpan(ReadOnlySpan<byte> message, ResourceContext context)
    {
        string? traceId = null, spanId = null, parentSpanId = null, name = null, kind = null, statusCode = null, statusMessage = null;
        long? start = null, end = null;
        var attributes = new KeyValueJson();
        var reader = new ProtoReader(message);
        while (!reader.AtEnd)
        {
            var (field, type) = reader.ReadTag();
            switch (field)
            {
                case 1: traceId = Hex(reader.ReadLengthDelimited(type)); break;
                case 2: spanId = Hex(reader.ReadLengthDelimited(type)); break;
                case 4: parentSpanId = Hex(reader.ReadLengthDelimited(type)); break;
                case 5: name = Text(reader.ReadLengthDelimited(type)); break;
                case 6: kind = EnumText(reader.ReadVarint(type)); break;
                case 7: start = Nanos(reader.ReadFixed64(type)); break;
                case 8: end = Nanos(reader.ReadFixed64(type)); break;
                case 9: attributes.Add(reader.ReadLengthDelimited(type)); break;
                case 15: ReadStatus(reader.ReadLengthDelimited(type), ref statusCode, ref statusMessage); break;
                default: reader.Skip(type); break;
            }
        }
        var attributesJson = attributes.ToJson();
        if (traceId is null || spanId is null) return null;
        return new OtlpSpan(traceId, spanId, parentSpanId, string.IsNullOrEmpty(name) ? OtlpSpan.Unnamed : name, kind,
            start, end, statusCode, statusMessage, attributesJson, context.AttributesJson, context.ScopeName, context.ScopeVersion,
            attributes.RunId ?? context.RunId, attributes.TaskId ?? context.TaskId, RawJson: null);
    }

    /// <summary>Status: message = 2, code = 3 (field 1 is the long-deprecated code).</summary>
    private static void ReadStatus(ReadOnlySpan<byte> message, ref string? code, ref string? text)
    {
        var reader = new ProtoReader(message);
        while (!reader.AtEnd)
        {
            var (field, type) = reader.ReadTag();
            switch (field)
            {
                case 2: text = Text(reader.ReadLengthDelimited(type)); break;
                case 3: code = EnumText(reader.ReadVarint(type)); break;
                default: reader.Skip(type); break;
            }
        }
    }

    private delegate void MessageAction(ReadOnlySpan<byte> message);

    private static void ForEach(ReadOnlySpan<byte> message, int wantedField, MessageAction action)
    {
        var reader = new ProtoReader(message);
        while (!reader.AtEnd)
        {
            var (field, type) = reader.ReadTag();
            if (field == wantedField) action(reader.ReadLengthDelimited(type));
            else reader.Skip(type);
        }
    }

    // Ids are bytes on the wire and lowercase hex in OTLP/JSON; empty means "not set".
    private static string? Hex(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? null : Convert.ToHexStringLower(bytes);

    private static string Text(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);

    // Enums are int32 on the wire (negative values are sign-extended to 64 bits).
    private static string EnumText(ulong value) => unchecked((int)value).ToString(CultureInfo.InvariantCulture);

    // fixed64 nanoseconds; past int64 the value cannot be stored and reads as unknown.
    private static long? Nanos(ulong value) => value > long.MaxValue ? null : (long)value;

    private sealed record ResourceContext(string AttributesJson, string? RunId, string? TaskId)
    {
        public string? ScopeName { get; init; }
        public string? ScopeVersion { get; init; }
    }
}
