using System.Security.Cryptography;
using System.Text;
using TaskLeaseServer.Api.OpenApi;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// The operator's API token, checked once the route is known and before anything else about it.
/// Routes marked open pass; routes whose handler checks the bearer itself (lease routes, a run's
/// events) need only some bearer value; everything else, unknown routes included, needs exactly
/// "Bearer &lt;token&gt;". The route metadata is the one source of which route is which.
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

    /// <param name="route">the metadata of the route the request names; null for an unknown route</param>
    public void Check(HttpContext context, EndpointMetadataCollection? route)
    {
        if (_expected is null || route?.GetMetadata<OpenRoute>() is not null) return;
        var bearer = BearerOf(context);
        // A wrong token is told apart from a missing header: "no usable header" for a wrong value
        // sent users looking for a header they had sent (issue 14). Same status and code either way.
        if (bearer is null)
            throw ApiError.Unauthorized("no usable Authorization header: send \"Authorization: Bearer <api token>\"");
        if (route?.GetMetadata<TokenCheckedByHandler>() is null && !IsApiToken(bearer))
            throw ApiError.Unauthorized("the bearer token does not match the server's API token");
    }
}
