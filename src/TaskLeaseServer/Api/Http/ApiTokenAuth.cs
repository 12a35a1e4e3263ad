using System.Security.Cryptography;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// The operator's API token and the scoped keys beside it, checked once the route is known and
/// before anything else about it. Routes marked open pass; routes whose handler checks the bearer
/// itself (lease routes, a run's events) need only some bearer value; everything else, unknown
/// routes included, needs the token or a live key whose scope covers the route
/// (<see cref="RouteScopes"/>): 401 for a credential that is not one, 403 for too narrow a key.
/// The caller found is kept on the request (<see cref="Caller"/>).
/// </summary>
public sealed class ApiTokenAuth(string? apiToken, IReads reads, KeyUsage usage, TimeProvider time)
{
    private const string Prefix = "Bearer ";
    private readonly byte[]? _expected = apiToken is null ? null : SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(apiToken));

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
    /// bytes, hashed so the comparison takes constant time whatever the lengths (W12).
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
        if (route?.GetMetadata<TokenCheckedByHandler>() is not null)
        {
            // A lease token or a run's token: the handler decides. A key or the token is noted for it.
            if (TryCaller(bearer, out var found, out _)) context.Items[typeof(Caller)] = found;
            return;
        }
        if (!TryCaller(bearer, out var caller, out var refusal)) throw ApiError.Unauthorized(refusal);
        // An unknown route needs only a valid credential, so it is a 404 for every caller.
        var needed = route is null ? ApiScope.Read : RouteScopes.Of(context.Request.Method, route) ?? ApiScope.Read;
        if (!caller.Has(needed))
            throw ApiError.Forbidden($"this key lacks the {ApiKey.NameOf(needed)} scope (it has {ApiKey.NameOf(caller.Scope)}); use a key with {ApiKey.NameOf(needed)} or wider");
        context.Items[typeof(Caller)] = caller;
    }

    private bool TryCaller(string bearer, out Caller caller, out string refusal)
    {
        caller = Caller.Token;
        refusal = "";
        if (IsApiToken(bearer)) return true;
        if (!ApiKey.LooksLikeKey(bearer))
        {
            refusal = "the bearer token does not match the server's API token or any API key";
            return false;
        }
        var hash = ApiKey.HashOf(bearer);
        // Found by its hash (a lookup that tells nothing about a near miss), then compared in constant time.
        var key = reads.ApiKey(hash);
        if (key is null || !CryptographicOperations.FixedTimeEquals(key.KeyHash, hash))
        {
            refusal = "the API key is unknown or was revoked";
            return false;
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (key.ExpiresAtMs is { } expires && expires <= now)
        {
            refusal = $"the API key \"{key.Name}\" expired at {expires} (Unix ms); ask an admin for a new one";
            return false;
        }
        usage.Used(key, now);
        caller = new Caller(key.Name, ApiKey.Highest(key.Scopes.Split(',')), key.Id);
        return true;
    }
}
