using FluentAssertions;
using TaskLeaseServer.Api.Otlp;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Otlp;

/// <summary>Decoding ExportTraceServiceRequest protobuf into spans (opentelemetry-proto field numbers).</summary>
public sealed class OtlpProtobufFacts
{
    private static readonly byte[] TraceId = Convert.FromHexString("0102030405060708090A0B0C0D0E0F10");
    private static readonly byte[] SpanId = Convert.FromHexString("A1A2A3A4A5A6A7A8");

    [Fact]
    public void Decode_ReadsEverySpanField()
    {
        var body = OtlpProto.Request(r => r.StringAttribute(1, "service.name", "svc"), "my.scope", "1.2.3",
            OtlpProto.Span(TraceId, SpanId, "work", w => w
                .String(3, "vendor=state")
                .Bytes(4, Convert.FromHexString("B1B2B3B4B5B6B7B8"))
                .Varint(6, 3)
                .Fixed64(7, 1_700_000_000_000_000_001)
                .Fixed64(8, 1_700_000_000_000_000_999)
                .StringAttribute(9, "http.method", "GET")
                .Varint(10, 4)
                .Message(15, s => s.String(2, "boom").Varint(3, 2))
                .Raw(0x85, 0x01, 1, 0, 0, 0))); // flags = 16 (fixed32), unused

        var span = OtlpProtobuf.Decode(body).Spans.Single();

        span.Should().BeEquivalentTo(new OtlpSpan(
            "0102030405060708090a0b0c0d0e0f10", "a1a2a3a4a5a6a7a8", "b1b2b3b4b5b6b7b8", "work", "3",
            1_700_000_000_000_000_001, 1_700_000_000_000_000_999, "2", "boom",
            """[{"key":"http.method","value":{"stringValue":"GET"}}]""",
            """[{"key":"service.name","value":{"stringValue":"svc"}}]""",
            "my.scope", "1.2.3", null, null, null));
    }

    [Fact]
    public void Decode_RendersEveryAttributeValueTypeAsOtlpJson()
    {
        var body = OtlpProto.Request(_ => { }, "s", "1", OtlpProto.Span(TraceId, SpanId, "n", w => w
            .Message(9, kv => kv.String(1, "s").Message(2, v => v.String(1, "a\"b")))
            .Message(9, kv => kv.String(1, "b").Message(2, v => v.Varint(2, 1)))
            .Message(9, kv => kv.String(1, "i").Message(2, v => v.Varint(3, unchecked((ulong)-7L))))
            .Message(9, kv => kv.String(1, "d").Message(2, v => v.Double(4, 1.5)))
            .Message(9, kv => kv.String(1, "nan").Message(2, v => v.Double(4, double.NaN)))
            .Message(9, kv => kv.String(1, "arr").Message(2, v => v.Message(5, a => a
                .Message(1, e => e.String(1, "x")).Message(1, e => e.Varint(3, 2)))))
            .Message(9, kv => kv.String(1, "kv").Message(2, v => v.Message(6, l => l
                .Message(1, e => e.String(1, "inner").Message(2, iv => iv.Varint(2, 0))))))
            .Message(9, kv => kv.String(1, "bytes").Message(2, v => v.Bytes(7, [1, 2, 3])))
            .Message(9, kv => kv.String(1, "empty").Message(2, _ => { }))));

        var span = OtlpProtobuf.Decode(body).Spans.Single();

        span.AttributesJson.Should().Be(
            """[{"key":"s","value":{"stringValue":"a\"b"}},{"key":"b","value":{"boolValue":true}},""" +
            """{"key":"i","value":{"intValue":"-7"}},{"key":"d","value":{"doubleValue":1.5}},""" +
            """{"key":"nan","value":{"doubleValue":"NaN"}},""" +
            """{"key":"arr","value":{"arrayValue":{"values":[{"stringValue":"x"},{"intValue":"2"}]}}},""" +
            """{"key":"kv","value":{"kvlistValue":{"values":[{"key":"inner","value":{"boolValue":false}}]}}},""" +
            """{"key":"bytes","value":{"bytesValue":"AQID"}},{"key":"empty","value":{}}]""");
    }

    [Fact]
    public void Decode_LinksBySpanAttributeFirst_ThenByResource()
    {
        var body = OtlpProto.Request(r => r.StringAttribute(1, OtlpSpan.RunIdKey, "run-r").StringAttribute(1, OtlpSpan.TaskIdKey, "task-r"), "s", "1",
            OtlpProto.Span(TraceId, [1], "own", w => w.StringAttribute(9, OtlpSpan.RunIdKey, "run-s").StringAttribute(9, OtlpSpan.RunIdKey, "later")),
            OtlpProto.Span(TraceId, [2], "inherits"),
            OtlpProto.Span(TraceId, [3], "empty-value-falls-back", w => w.Message(9, kv => kv.String(1, OtlpSpan.RunIdKey).Message(2, _ => { }))),
            OtlpProto.Span(TraceId, [4], "typed", w => w.Message(9, kv => kv.String(1, OtlpSpan.TaskIdKey).Message(2, v => v.Varint(3, 42)))));

        var spans = OtlpProtobuf.Decode(body).Spans;

        spans.Select(s => (s.Name, s.RunId, s.TaskId)).Should().Equal(
            ("own", "run-s", "task-r"), ("inherits", "run-r", "task-r"), ("empty-value-falls-back", "run-r", "task-r"), ("typed", "run-r", "42"));
    }

    [Fact]
    public void Decode_AcceptsFieldsInAnyOrder_AndTheLegacyInstrumentationLibrarySpans()
    {
        // The scope spans come before the resource, and field 1000 is the pre-1.0 name of scope_spans.
        var body = new ProtoWriter().Message(1, rs => rs
            .Message(1000, ss => ss.Message(2, OtlpProto.Span(TraceId, [9], "legacy")).Message(1, sc => sc.String(1, "old")))
            .Message(2, ss => ss.Message(2, OtlpProto.Span(TraceId, [1], "current")))
            .Message(1, r => r.StringAttribute(1, OtlpSpan.TaskIdKey, "late-resource"))).ToArray();

        var spans = OtlpProtobuf.Decode(body).Spans;

        spans.Select(s => (s.Name, s.ScopeName, s.TaskId)).Should().Equal(("current", null, "late-resource"), ("legacy", "old", "late-resource"));
    }

    [Fact]
    public void Decode_SkipsSpansWithoutIds_AndNamesUnnamedOnes()
    {
        var body = OtlpProto.Request(_ => { }, "s", "1",
            w => w.Bytes(2, SpanId),
            w => w.Bytes(1, TraceId),
            w => w.Bytes(1, TraceId).Bytes(2, []),
            w => w.Bytes(1, TraceId).Bytes(2, SpanId));

        var span = OtlpProtobuf.Decode(body).Spans.Single();

        span.Name.Should().Be(OtlpSpan.Unnamed);
        (span.Kind, span.StartTimeUnixNano, span.StatusCode, span.ParentSpanId).Should().Be((null, null, null, null));
    }

    [Fact]
    public void Decode_AKnownFieldOfTheWrongWireType_IsAFormatError()
    {
        var body = new ProtoWriter().Varint(1, 5).ToArray(); // resource_spans must be a message

        var decode = () => OtlpProtobuf.Decode(body);

        decode.Should().Throw<ProtobufFormatException>();
    }
}
