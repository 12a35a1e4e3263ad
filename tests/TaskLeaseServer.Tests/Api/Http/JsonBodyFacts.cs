using System.Text;
using FluentAssertions;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Domain;
using Xunit;

namespace TaskLeaseServer.Tests.Api.Http;

public sealed class JsonBodyFacts
{
    private static JsonBody Parse(string json) => JsonBody.Parse(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("5", 5)]
    [InlineData("5.0", 5)]
    [InlineData("5e0", 5)]
    [InlineData("\"5\"", 5)]
    [InlineData("\"-12\"", -12)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("1e3", 1000)]
    [InlineData("1E+3", 1000)]
    [InlineData("50e-1", 5)]
    [InlineData("7.000", 7)]
    [InlineData("-0", 0)]
    [InlineData("0e-400", 0)]
    [InlineData("9223372036854775807.000", long.MaxValue)]
    [InlineData("\"1e3\"", 1000)]
    [InlineData("\" 5 \"", 5)]
    public void Integers_AcceptIntegralNumbersAndNumericStrings(string value, long expected) =>
        Parse($$"""{"n":{{value}}}""").OptionalLong("n").Should().Be(expected);

    [Theory]
    [InlineData("1.5")]
    [InlineData("\"abc\"")]
    [InlineData("9223372036854775808")]
    [InlineData("true")]
    [InlineData("[1]")]
    [InlineData("1e-29")]
    [InlineData("7.0000000000000000000000000000004")]
    [InlineData("7.00000000000000000000000000000000000000000000001")]
    [InlineData("0.5")]
    [InlineData("1e19")]
    [InlineData("1e400")]
    [InlineData("-9223372036854775809")]
    [InlineData("9223372036854775807.5")]
    [InlineData("\"1e-29\"")]
    [InlineData("\"1.5\"")]
    [InlineData("\"\"")]
    [InlineData("\"e5\"")]
    [InlineData("\"5e\"")]
    [InlineData("\".\"")]
    public void Integers_RejectEverythingElse(string value) =>
        FluentActions.Invoking(() => Parse($$"""{"n":{{value}}}""").OptionalLong("n"))
            .Should().Throw<ApiError>().Where(e => e.Code == "invalid_json" && e.Message.Contains("`n`"));

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("\"x\"")]
    [InlineData("{} x")]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("{\"a\":")]
    public void Bodies_MustBeExactlyOneObject(string body) =>
        FluentActions.Invoking(() => Parse(body)).Should().Throw<ApiError>().Where(e => e.Code == "invalid_json");

    [Fact]
    public void NullOptionalFields_AreAbsent()
    {
        var body = Parse("""{"s":null,"j":null,"o":null}""");
        body.OptionalString("s").Should().BeNull();
        body.OptionalJson("j").Should().BeNull();
        body.OptionalObject("o").Should().BeNull();
    }

    [Fact]
    public void FreeFormJson_IsCompactedKeepingOrderAndDigits() =>
        Parse("""{"m": { "b" : 1, "a" : [ 12345678901234567890, "x" ] } }""").OptionalJson("m")
            .Should().Be("""{"b":1,"a":[12345678901234567890,"x"]}""");
}

public sealed class JsonBodyTextFacts
{
    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0x80, 0xFF })]
    public void InvalidUtf8InAString_IsInvalidJson(byte[] garbage)
    {
        var body = Encoding.UTF8.GetBytes("{\"title\":\"a").Concat(garbage).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();
        FluentActions.Invoking(() => JsonBody.Parse(body)).Should().Throw<ApiError>().Where(e => e.Code == "invalid_json");
    }

    [Theory]
    [InlineData("""{"title":"\ud800"}""")]
    [InlineData("""{"metadata":{"x":"\udc00"}}""")]
    [InlineData("""{"\ud800":1}""")]
    public void ALoneSurrogateEscape_IsInvalidJson(string json) =>
        FluentActions.Invoking(() => JsonBody.Parse(Encoding.UTF8.GetBytes(json))).Should().Throw<ApiError>().Where(e => e.Code == "invalid_json");

    [Fact]
    public void ASurrogatePair_IsFine() =>
        JsonBody.Parse(Encoding.UTF8.GetBytes("""{"title":"\ud83d\ude00"}""")).RequiredString("title").Should().Be("😀");
}
