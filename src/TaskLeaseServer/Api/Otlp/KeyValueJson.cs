using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TaskLeaseServer.Api.Otlp;

/// <summary>
/// Renders protobuf KeyValue messages as the OTLP/JSON KeyValue array that JSON-mode ingest stores
/// verbatim (<c>[{"key":"k","value":{"stringValue":"v"}}]</c>), so stored attributes read the same
/// whichever encoding an exporter used. Also notes the text of the first run/task link attribute.
/// </summary>
internal sealed class KeyValueJson
{
    /// <summary>Attribute values nest (arrays, key-value lists); deeper input is rejected, not recursed into.</summary>
    private const int MaxDepth = 16;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly Utf8JsonWriter _writer;
    private readonly SpanLinks _links = new();

    public KeyValueJson()
    {
        _writer = new Utf8JsonWriter(_buffer, WriterOptions);
        _writer.WriteStartArray();
    }

    /// <summary>Text of the first <c>nulltickets.run_id</c> attribute; null when absent or valueless.</summary>
    public string? RunId => _links.RunId;
    public string? TaskId => _links.TaskId;

    /// <summary>Adds one KeyValue message (key = 1, value = 2).</summary>
    public void Add(ReadOnlySpan<byte> keyValue)
    {
        var key = ReadKeyValue(keyValue, out var value);
        WriteKeyValue(_writer, key, value, 0);
        _links.Offer(key, value, TextOf);
    }

    public string ToJson()
    {
        _writer.WriteEndArray();
        _writer.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    private static string ReadKeyValue(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> value)
    {
        var key = "";
        value = default;
        var reader = new ProtoReader(message);
        while (!reader.AtEnd)
        {
            var (field, type) = reader.ReadTag();
            switch (field)
            {
                case 1: key = Encoding.UTF8.GetString(reader.ReadLengthDelimited(type)); break;
                case 2: value = reader.ReadLengthDelimited(type); break;
                default: reader.Skip(type); break;
            }
        }
        return key;
    }

    private static void WriteKeyValue(Utf8JsonWriter writer, string key, ReadOnlySpan<byte> value, int depth)
    {
        writer.WriteStartObject();
        writer.WriteString("key", key);
        writer.WritePropertyName("value");
        WriteAnyValue(writer, value, depth);
        writer.WriteEndObject();
    }

    private static void WriteAnyValue(Utf8JsonWriter writer, ReadOnlySpan<byte> message, int depth)
    {
        if (depth >= MaxDepth) throw new ProtobufFormatException($"attribute values nested deeper than {MaxDepth} levels");
        var value = AnyValue.Read(message);
        writer.WriteStartObject();
        switch (value.Field)
        {
            case AnyValue.StringValue: writer.WriteString("stringValue", Encoding.UTF8.GetString(value.Payload)); break;
            case AnyValue.BoolValue: writer.WriteBoolean("boolValue", value.Scalar != 0); break;
            // OTLP/JSON writes 64-bit integers as strings (JavaScript cannot hold them as numbers).
            case AnyValue.IntValue: writer.WriteString("intValue", value.AsInt64.ToString(CultureInfo.InvariantCulture)); break;
            case AnyValue.DoubleValue:
                // JSON has no NaN or infinities; the protobuf JSON mapping writes them as strings.
                if (double.IsFinite(value.AsDouble)) writer.WriteNumber("doubleValue", value.AsDouble);
                else writer.WriteString("doubleValue", value.AsDouble.ToString(CultureInfo.InvariantCulture));
                break;
            case AnyValue.ArrayValue:
                writer.WriteStartObject("arrayValue");
                writer.WriteStartArray("values");
                ForEachRepeated(value.Payload, element => WriteAnyValue(writer, element, depth + 1));
                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
            case AnyValue.KvlistValue:
                writer.WriteStartObject("kvlistValue");
                writer.WriteStartArray("values");
                ForEachRepeated(value.Payload, entry =>
                {
                    var key = ReadKeyValue(entry, out var inner);
                    WriteKeyValue(writer, key, inner, depth + 1);
                });
                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
            case AnyValue.BytesValue: writer.WriteBase64String("bytesValue", value.Payload); break;
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// A link attribute's text, as JSON mode reads it: scalars as plain text, compound values as their
    /// JSON; an empty AnyValue is OTLP's null and counts as absent.
    /// </summary>
    private static string? TextOf(ReadOnlySpan<byte> message)
    {
        var value = AnyValue.Read(message);
        switch (value.Field)
        {
            case AnyValue.NoValue: return null;
            case AnyValue.StringValue: return Encoding.UTF8.GetString(value.Payload);
            case AnyValue.BoolValue: return value.Scalar != 0 ? "true" : "false";
            case AnyValue.IntValue: return value.AsInt64.ToString(CultureInfo.InvariantCulture);
            case AnyValue.DoubleValue: return value.AsDouble.ToString(CultureInfo.InvariantCulture);
            case AnyValue.BytesValue: return Convert.ToBase64String(value.Payload);
            default:
                var buffer = new ArrayBufferWriter<byte>();
                using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) WriteAnyValue(writer, message, 0);
                return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
    }

    private delegate void ElementAction(ReadOnlySpan<byte> element);

    /// <summary>Calls <paramref name="action"/> for each field 1 of ArrayValue / KeyValueList.</summary>
    private static void ForEachRepeated(ReadOnlySpan<byte> message, ElementAction action)
    {
        var reader = new ProtoReader(message);
        while (!reader.AtEnd)
        {
            var (field, type) = reader.ReadTag();
            if (field == 1) action(reader.ReadLengthDelimited(type));
            else reader.Skip(type);
        }
    }

    /// <summary>The one value of an AnyValue oneof (the last one on the wire wins, as in protobuf).</summary>
    private readonly ref struct AnyValue
    {
        public const int NoValue = 0, StringValue = 1, BoolValue = 2, IntValue = 3, DoubleValue = 4, ArrayValue = 5, KvlistValue = 6, BytesValue = 7;

        public int Field { get; init; }
        public ulong Scalar { get; init; }
        public ReadOnlySpan<byte> Payload { get; init; }

        public long AsInt64 => unchecked((long)Scalar);
        public double AsDouble => BitConverter.UInt64BitsToDouble(Scalar);

        public static AnyValue Read(ReadOnlySpan<byte> message)
        {
            var value = new AnyValue();
            var reader = new ProtoReader(message);
            while (!reader.AtEnd)
            {
                var (field, type) = reader.ReadTag();
                switch (field)
                {
                    case BoolValue or IntValue: value = new AnyValue { Field = field, Scalar = reader.ReadVarint(type) }; break;
                    case DoubleValue: value = new AnyValue { Field = field, Scalar = reader.ReadFixed64(type) }; break;
                    case StringValue or ArrayValue or KvlistValue or BytesValue:
                        value = new AnyValue { Field = field, Payload = reader.ReadLengthDelimited(type) };
                        break;
                    default: reader.Skip(type); break;
                }
            }
            return value;
        }
    }
}
