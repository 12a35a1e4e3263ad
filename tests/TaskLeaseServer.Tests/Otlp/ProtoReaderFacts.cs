using System.Diagnostics;
using FluentAssertions;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Api.Otlp;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Otlp;

/// <summary>Hostile protobuf: every input either decodes or fails with a ProtobufFormatException, quickly and without big allocations.</summary>
public sealed class ProtoReaderFacts
{
    [Theory]
    [InlineData(new byte[] { 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })]                         // 4 GiB declared, 0 present
    [InlineData(new byte[] { 0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })] // 2^64-1 declared
    [InlineData(new byte[] { 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 })] // 11-byte varint
    [InlineData(new byte[] { 0x0B })]                                                          // start group
    [InlineData(new byte[] { 0x0E })]                                                          // wire type 6
    [InlineData(new byte[] { 0x00 })]                                                          // field 0
    [InlineData(new byte[] { 0x09, 0x01, 0x02 })]                                              // fixed64 cut short
    [InlineData(new byte[] { 0x80 })]                                                          // tag cut short
    public void Decode_MalformedInput_FailsWithAFormatError(byte[] body)
    {
        var decode = () => OtlpProtobuf.Decode(body);

        decode.Should().Throw<ProtobufFormatException>();
    }

    [Fact]
    public void Decode_DeeplyNestedAttributeValues_FailInsteadOfRecursing()
    {
        // AnyValue { array_value { values [ AnyValue { array_value { ... "leaf" } } ] } }, 1000 levels deep.
        var value = new ProtoWriter().String(1, "leaf").ToArray();
        for (var i = 0; i < 1_000; i++) value = new ProtoWriter().Bytes(5, new ProtoWriter().Bytes(1, value).ToArray()).ToArray();
        var body = OtlpProto.Request(_ => { }, "s", "1", OtlpProto.Span([1], [2], "n", w => w.Message(9, kv => kv.String(1, "deep").Bytes(2, value))));

        var decode = () => OtlpProtobuf.Decode(body);

        decode.Should().Throw<ProtobufFormatException>().WithMessage("*nested*");
    }

    [Fact]
    public void Decode_FuzzedInput_NeverThrowsAnythingElse_NorHangs()
    {
        var valid = OtlpProto.Request(r => r.StringAttribute(1, OtlpSpan.RunIdKey, "run").StringAttribute(1, "service.name", "svc"), "scope", "1",
            OtlpProto.Span(Convert.FromHexString("0102030405060708090A0B0C0D0E0F10"), [1, 2, 3, 4, 5, 6, 7, 8], "span", w => w
                .Bytes(4, [9, 9]).Varint(6, 2).Fixed64(7, 100).Fixed64(8, 200)
                .Message(9, kv => kv.String(1, "arr").Message(2, v => v.Message(5, a => a.Message(1, e => e.Double(4, 2.5)))))
                .Message(9, kv => kv.String(1, "kv").Message(2, v => v.Message(6, l => l.Message(1, e => e.String(1, "k").Message(2, iv => iv.Bytes(7, [0xFF]))))))
                .Message(15, s => s.String(2, "msg").Varint(3, 1))),
            OtlpProto.Span([7], [8], "second"));
        OtlpProtobuf.Decode(valid).Spans.Should().HaveCount(2);

        var random = new Random(20_260_302);
        var clock = Stopwatch.StartNew();
        var outcomes = new Dictionary<string, int>();
        for (var i = 0; i < 30_000; i++)
        {
            var input = Mutate(valid, random, i);
            string outcome;
            try
            {
                outcome = "decoded " + Math.Min(OtlpProtobuf.Decode(input).Spans.Count, 3);
            }
            catch (ProtobufFormatException)
            {
                outcome = "format error";
            }
            catch (ApiError e) when (e.Status == 413)
            {
                outcome = "too large";
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
        outcomes.Should().ContainKey("format error").And.ContainKey("decoded 2");
    }

    private static byte[] Mutate(byte[] valid, Random random, int round)
    {
        switch (round % 4)
        {
            case 0: // truncated anywhere
                return valid[..random.Next(valid.Length)];
            case 1: // a few bytes overwritten
                var flipped = (byte[])valid.Clone();
                for (var n = random.Next(1, 4); n > 0; n--) flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
                return flipped;
            case 2: // random bytes spliced in
                var insert = new byte[random.Next(1, 8)];
                random.NextBytes(insert);
                var at = random.Next(valid.Length);
                return [.. valid[..at], .. insert, .. valid[at..]];
            default: // pure noise
                var noise = new byte[random.Next(0, 256)];
                random.NextBytes(noise);
                return noise;
        }
    }
}
