using System.Security.Cryptography;
using System.Text;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// The operator's API token (CONTRACT §3.1), checked before routing when one is configured. Open
/// paths (and GET /'s index) pass; lease routes need only some bearer value (their handlers check the lease token);
/// everything else, unknown routes included, needs exactly "Bearer &lt;token&gt;".
/// </summary>
public sealed class ApiTokenAuth(string? apiToken)
{
    private const string Prefix = "Bearer ";
    private readonly byte[]? _expected = apiToken is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(apiToken));

    public bool Enabled => _expected is not null;

    /// <summary>The value after "Bearer " of the first Authorization header, or null.</summary>
    public static string? BearerOf(HttpContext context)
    {
        var header = context.Request.Headers.Authorization;
        var value = header.Count > 0 ? header[0] : null;
        return value is not null && value.StartsWith(Prefix, StringComparison.Ordinal) ? value[Prefix.Length..] : null;
    }

    /// <summary>
    /// Whether the presented bearer value is the API token: its bytes as sent against the token's
    /// UTF-8 bytes, hashed so the comparison takes constant time whatever the lengths (W12).
    /// </summary>
    public bool IsApiToken(string? bearer) =>
        _expected is not null && bearer is not null &&
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(HeaderBytes.Of(bearer)), _expected);

    public void Check(HttpContext context)
    {
        if (_expected is null) return;
        var segments = RequestPath.Of(context).Segments;
        if (IsOpen(segments)) return;
        var bearer = BearerOf(context);
        // A wrong token is told apart from a missing header: "no usable header" for a wrong value
        // sent users looking for a header they had sent (issue 14). Same status and code either way.
        if (bearer is null)
            throw ApiError.Unauthorized("no usable Authorization header: send \"Authorization: Bearer <api token>\"");
        if (!IsLeaseRoute(segments) && !IsApiToken(bearer))
            throw ApiError.Unauthorized("the bearer token does not match the server's API token");
    }

    private static bool IsOpen(IReadOnlyList<string> s) =>
        s.Count == 0 || (s.Count == 1 && s[0] is "health" or "openapi.json") ||
        (s.Count == 2 && s[0] == ".well-known" && s[1] == "openapi.json");

    private static bool IsLeaseRoute(IReadOnlyList<string> s) =>
        s.Count >= 3 && ((s[0] == "leases" && s[2] is "heartbeat" or "release") ||
                         (s[0] == "runs" && s[2] is "events" or "transition" or "fail"));
}
