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
/// Without an Authorization header, the dashboard's session cookie (<see cref="SessionCookie"/>) is
/// a credential too, with the scope of its key and never more; a write it carries must also send the
/// session's <see cref="SessionCookie.CsrfHeader"/>, so a cookie alone never authorises a change.
/// </summary>
public sealed class ApiTokenAuth(string? apiToken, IReads reads, KeyUsage usage, TimeProvider time)
{
    public SessionCookie Sessions { get; } = new(apiToken);

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
        RefuseCrossSiteWrite(context);
        if (_expected is null || route?.GetMetadata<OpenRoute>() is not null) return;
        var bearer = BearerOf(context);
        if (bearer is null && context.Request.Headers.Authorization.Count == 0 && route?.GetMetadata<TokenCheckedByHandler>() is null &&
            FromCookie(context) is { } session)
        {
            var (sessionCaller, state) = session;
            if (sessionCaller is null) throw ApiError.Unauthorized(state);
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) &&
                !Sessions.CsrfMatches(SessionOf(context)!, context.Request.Headers[SessionCookie.CsrfHeader].FirstOrDefault()))
                throw ApiError.Forbidden($"a write authorised by the dashboard's session cookie must send the session's {SessionCookie.CsrfHeader} header (the dashboard's pages carry it); scripts send \"Authorization: Bearer <key>\" instead");
            var neededBySession = route is null ? ApiScope.Read : RouteScopes.Of(context.Request.Method, route) ?? ApiScope.Read;
            if (!sessionCaller.Has(neededBySession))
                throw ApiError.Forbidden($"this session's key lacks the {ApiKey.NameOf(neededBySession)} scope (it has {ApiKey.NameOf(sessionCaller.Scope)}); sign in with a key with {ApiKey.NameOf(neededBySession)} or wider");
            context.Items[typeof(Caller)] = sessionCaller;
            return;
        }
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

    /// <summary>
    /// A browser marks every request with Sec-Fetch-Site; a write that another origin's page made
    /// (a form or fetch from another site, or another port of this host) is refused whatever it
    /// carries, so an open loopback server cannot be driven from a web page either. Clients other
    /// than browsers send no such header and are not affected.
    /// </summary>
    private static void RefuseCrossSiteWrite(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)) return;
        var site = context.Request.Headers["Sec-Fetch-Site"].FirstOrDefault();
        if (site is null or "same-origin" or "none") return;
        throw ApiError.Forbidden($"a browser request from another origin (Sec-Fetch-Site: {site}) cannot change anything here; use this server's own dashboard or a client that sends a bearer token");
    }

    /// <summary>
    /// The caller of the request's session cookie with the reason it failed: null when there is no
    /// cookie; (null, why) for one that is forged, expired, or whose key is gone; else the caller,
    /// whose scope is the lower of the session's and its key's. The session is kept on the request.
    /// </summary>
    public (Caller? Caller, string Refusal)? FromCookie(HttpContext context)
    {
        if (!Sessions.Enabled || !context.Request.Cookies.TryGetValue(SessionCookie.Name, out var value)) return null;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var session = Sessions.Decode(value, now);
        if (session is null) return (null, "the dashboard session is invalid or has expired; sign in again at /ui/sign-in");
        Caller caller;
        if (session.KeyHash is null) caller = Caller.Token;
        else
        {
            var key = reads.ApiKey(session.KeyHash);
            if (key is null || !CryptographicOperations.FixedTimeEquals(key.KeyHash, session.KeyHash))
                return (null, "the dashboard session's API key was revoked; sign in with another key");
            if (key.ExpiresAtMs is { } expires && expires <= now)
                return (null, $"the dashboard session's API key \"{key.Name}\" expired at {expires} (Unix ms); sign in with another key");
            usage.Used(key, now);
            caller = new Caller(key.Name, ApiKey.Highest(key.Scopes.Split(',')), key.Id);
        }
        if (session.Scope < caller.Scope) caller = caller with { Scope = session.Scope };
        context.Items[typeof(Session)] = session;
        return (caller, "ok");
    }

    /// <summary>The session the cookie check found on this request, or null.</summary>
    public static Session? SessionOf(HttpContext context) => context.Items[typeof(Session)] as Session;

    /// <summary>Checks a credential typed into the dashboard's sign-in form: the token or a live key.</summary>
    public bool SignIn(string presented, out Caller caller, out byte[]? keyHash, out string refusal)
    {
        keyHash = null;
        if (!TryCaller(presented, out caller, out refusal)) return false;
        if (caller.KeyId is not null) keyHash = ApiKey.HashOf(presented);
        return true;
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
