using System.Buffers.Binary;

namespace TaskLeaseServer.Api.Otlp;

/// <summary>Bytes that are not the protobuf message they were read as: the only failure the reader raises.</summary>
public sealed class ProtobufFormatException(string message) : Exception(message);

/// <summary>The protobuf wire types; groups (3, 4) are obsolete and OTLP never uses them.</summary>
public enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// <summary>
/// A forward-only reader of the protobuf wire format over one message's bytes. Every declared length
/// is checked against the bytes that are left before it is used, and nested messages and strings are
/// slices of the input, so a hostile length can neither read past the end nor make anything allocate;
/// every step consumes at least one byte, so reading always ends.
/// </summary>
public ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private const int MaxVarintBytes = 10;

    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly bool AtEnd => _pos >= _data.Length;

    public (int Field, WireType Type) ReadTag()
    {
        var tag = ReadVarint();
        var field = tag >> 3;
        var type = (int)(tag & 7);
        if (field is 0 or > int.MaxValue) throw new ProtobufFormatException($"invalid field number {field}");
        if (type is not (0 or 1 or 2 or 5)) throw new ProtobufFormatException($"unsupported wire type {type} on field {field}");
        return ((int)field, (WireType)type);
    }

    /// <summary>Reads a field's value as the wire type the schema gives it, or fails if it came as another.</summary>
    public ulong ReadVarint(WireType actual)
    {
        Expect(actual, WireType.Varint);
        return ReadVarint();
    }

    public ulong ReadFixed64(WireType actual)
    {
        Expect(actual, WireType.Fixed64);
        return ReadFixed64();
    }

    public ReadOnlySpan<byte> ReadLengthDelimited(WireType actual)
    {
        Expect(actual, WireType.LengthDelimited);
        return ReadLengthDelimited();
    }

    /// <summary>Steps over a field this decoder does not use.</summary>
    public void Skip(WireType type)
    {
        switch (type)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: Take(8); break;
            case WireType.LengthDelimited: ReadLengthDelimited(); break;
            case WireType.Fixed32: Take(4); break;
        }
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (var i = 0; i < MaxVarintBytes; i++)
        {
            if (_pos >= _data.Length) throw Truncated();
            var b = _data[_pos++];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80) return value;
        }
        throw new ProtobufFormatException("varint longer than 10 bytes");
    }

    private ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    private ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _pos)) throw new ProtobufFormatException($"declared length {length} runs past the end of the message");
        return Take((int)length);
    }

    private static void Expect(WireType actual, WireType wanted)
    {
        if (actual != wanted) throw new ProtobufFormatException($"a field came as wire type {(int)actual} where the schema has {(int)wanted}");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _pos) throw Truncated();
        var slice = _data.Slice(_pos, count);
        _pos += count;
        return slice;
    }

    private static ProtobufFormatException Truncated() => new("the message ends in the middle of a field");
}
