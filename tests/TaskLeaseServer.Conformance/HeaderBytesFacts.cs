using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>
/// Header values holding bytes that are not UTF-8 (issue 14 item 11a). RawHttp writes header text
/// as Latin-1, so "\u00e9" goes on the wire as the single byte E9 and "\u00c3\u00a9" as C3 A9 (UTF-8 é).
/// Each such request gets the contract's answer with its envelope, never Kestrel's bare 400.
/// </summary>
public sealed class HeaderBytesFacts(TokenServer server) : IClassFixture<TokenServer>
{
    private const string Latin1E = "\u00e9";
    private const string Utf8E = "\u00c3\u00a9";

    private static (string, string) Bearer(string value) => ("Authorization", "Bearer " + value);

    [Fact]
    public async Task AnOpenRoute_WithANonUtf8HeaderByte_Answers200()
    {
        var response = await RawHttp.SendAsync(server.Port, "GET", "/health", headers: [("X-Note", "\u00f3L")]);
        Expect.Status(response, 200);
        response.Json.GetProperty("status").GetString().Should().Be("ok");
    }

    [Fact]
    public async Task ALeaseRoute_WithANonUtf8Bearer_Answers401WithTheEnvelope()
    {
        var response = await RawHttp.SendAsync(server.Port, "POST", "/leases/no-such-lease/heartbeat", headers: [Bearer(Latin1E)]);
        Expect.Error(response, 401, "unauthorized");
    }

    [Fact]
    public async Task AnApiRoute_WithTheTokenPlusANonUtf8Byte_Answers401WithTheEnvelope()
    {
        Expect.Error(await RawHttp.SendAsync(server.Port, "GET", "/tasks", headers: [Bearer(TokenServer.Token + "\u00ff")]), 401, "unauthorized");
        Expect.Status(await RawHttp.SendAsync(server.Port, "GET", "/tasks", headers: [Bearer(TokenServer.Token), ("X-Note", "\u00f3L")]), 200);
    }

    [Fact]
    public async Task IdempotencyKeys_ThatDifferOnlyInNonAsciiBytes_AreDifferentScopes()
    {
        var path = $"/store/{Flow.Unique("ns")}/k";
        (string, string) Key(string key) => ("Idempotency-Key", key);
        async Task<ApiResponse> Put(string key, string body) =>
            await RawHttp.SendAsync(server.Port, "PUT", path, body, [Bearer(TokenServer.Token), Key(key)]);

        Expect.Status(await Put(Latin1E, """{"value":1}"""), 204);
        // UTF-8 é and Latin-1 é name the same letter but are different bytes: a new scope, not a conflict.
        Expect.Status(await Put(Utf8E, """{"value":2}"""), 204);
        Expect.Status(await Put("\u00e8", """{"value":3}"""), 204);
        // The first key was recorded under its own bytes: another body under it is a conflict.
        Expect.Error(await Put(Latin1E, """{"value":4}"""), 409, "idempotency_conflict");
        Expect.Status(await Put(Latin1E, """{"value":1}"""), 204);
    }

    [Fact]
    public async Task ANonAsciiApiToken_MatchesItsUtf8Bytes_AndNeverTheLatin1LookAlike()
    {
        await using var process = await ServerProcess.StartAsync(new ServerOptions { Token = "s\u00e9cret" });
        Expect.Status(await RawHttp.SendAsync(process.Port, "GET", "/tasks", headers: [Bearer("s" + Utf8E + "cret")]), 200);
        Expect.Error(await RawHttp.SendAsync(process.Port, "GET", "/tasks", headers: [Bearer("s" + Latin1E + "cret")]), 401, "unauthorized");
    }
}
