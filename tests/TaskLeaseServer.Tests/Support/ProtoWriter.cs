using System.Buffers.Binary;
using System.Text;

namespace TaskLeaseServer.Tests.Support;

/// <summary>Writes protobuf wire format by hand, so tests can build exactly the bytes they mean.</summary>
public sealed class ProtoWriter
{
    private readonly MemoryStream _out = new();

    public byte[] ToArray() => _out.ToArray();

    public ProtoWriter Varint(int field, ulong value) => Tag(field, 0).RawVarint(value);

    public ProtoWriter Fixed64(int field, ulong value)
    {
        Tag(field, 1);
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        _out.Write(bytes);
        return this;
    }

    public ProtoWriter Double(int field, double value) => Fixed64(field, BitConverter.DoubleToUInt64Bits(value));

    public ProtoWriter Bytes(int field, byte[] value)
    {
        Tag(field, 2).RawVarint((ulong)value.Length);
        _out.Write(value);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, Action<ProtoWriter> body)
    {
        var inner = new ProtoWriter();
        body(inner);
        return Bytes(field, inner.ToArray());
    }

    public ProtoWriter Raw(params byte[] bytes)
    {
        _out.Write(bytes);
        return this;
    }

    private ProtoWriter Tag(int field, int wireType) => RawVarint(((ulong)field << 3) | (uint)wireType);

    private ProtoWriter RawVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _out.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _out.WriteByte((byte)value);
        return this;
    }
}

/// <summary>OTLP trace messages (opentelemetry-proto field numbers) built with <see cref="ProtoWriter"/>.</summary>
public static class OtlpProto
{
    /// <summary>ExportTraceServiceRequest with one ResourceSpans holding one ScopeSpans.</summary>
    public static byte[] Request(Action<ProtoWriter> resourceAttributes, string scopeName, string scopeVersion, params Action<ProtoWriter>[] spans) =>
        new ProtoWriter().Message(1, rs => rs
            .Message(1, resource => resourceAttributes(resource))
            .Message(2, ss =>
            {
                ss.Message(1, scope => scope.String(1, scopeName).String(2, scopeVersion));
                foreach (var span in spans) ss.Message(2, span);
            })).ToArray();

    public static ProtoWriter StringAttribute(this ProtoWriter w, int field, string key, string value) =>
        w.Message(field, kv => kv.String(1, key).Message(2, v => v.String(1, value)));

    /// <summary>A span with the given ids and name; more fields can be chained by <paramref name="more"/>.</summary>
    public static Action<ProtoWriter> Span(byte[] traceId, byte[] spanId, string name, Action<ProtoWriter>? more = null) =>
        w =>
        {
            w.Bytes(1, traceId).Bytes(2, spanId).String(5, name);
            more?.Invoke(w);
        };
}
