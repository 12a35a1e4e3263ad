using System.Security.Cryptography;
using System.Text;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.Http;

/// <summary>What a dashboard session holds: the credential it stands for and the scope it had at sign-in.</summary>
/// <param name="KeyHash">the key's stored hash; null for a session opened with the server's token</param>
/// <param name="Nonce">random per sign-in; the CSRF token is derived from it</param>
public sealed record Session(byte[]? KeyHash, ApiScope Scope, long ExpiresAtMs, string Nonce);

/// <summary>
/// The dashboard's session cookie: <c>v1.scope.expires.nonce.keyhash.mac</c>, HMAC-SHA256 under a
/// secret derived from the server's API token. Deriving it (rather than keeping a random one) means
/// every node of a cluster and a restarted server accept the same sessions, and changing the token
/// ends them all. The cookie never holds the key or token itself; the key is looked up again on
/// every request, so a revoked or expired key ends its sessions at their next request.
/// </summary>
public sealed class SessionCookie
{
    public const string Name = "tls_session";
    public const string CsrfHeader = "X-CSRF-Token";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private readonly byte[]? _secret;

    public SessionCookie(string? apiToken)
    {
        _secret = apiToken is null ? null
            : HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(apiToken), 32, info: "TaskLeaseServer dashboard session v1"u8.ToArray());
    }

    public bool Enabled => _secret is not null;

    public Session New(byte[]? keyHash, ApiScope scope, long now) =>
        new(keyHash, scope, now + (long)Lifetime.TotalMilliseconds, B64(RandomNumberGenerator.GetBytes(16)));

    public string Encode(Session s)
    {
        var body = string.Join('.', "v1", ApiKey.NameOf(s.Scope), s.ExpiresAtMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            s.Nonce, s.KeyHash is null ? "-" : B64(s.KeyHash));
        return body + "." + B64(Mac("session|" + body));
    }

    /// <summary>The session of a cookie value: null unless its MAC is right and it has not expired.</summary>
    public Session? Decode(string? value, long now)
    {
        if (_secret is null || string.IsNullOrEmpty(value) || value.Length > 512) return null;
        var cut = value.LastIndexOf('.');
        if (cut < 0) return null;
        var body = value[..cut];
        byte[] mac;
        try { mac = UnB64(value[(cut + 1)..]); }
        catch (FormatException) { return null; }
        if (!CryptographicOperations.FixedTimeEquals(mac, Mac("session|" + body))) return null;
        var parts = body.Split('.');
        if (parts is not ["v1", var scopeName, var expiresText, var nonce, var keyText]) return null;
        if (ApiKey.Parse(scopeName) is not { } scope || !long.TryParse(expiresText, out var expires) || expires <= now) return null;
        return new Session(keyText == "-" ? null : UnB64(keyText), scope, expires, nonce);
    }

    /// <summary>The value a page sends in <see cref="CsrfHeader"/> for its session's writes.</summary>
    public string CsrfOf(Session s) => B64(Mac("csrf|" + s.Nonce));

    public bool CsrfMatches(Session s, string? sent) =>
        sent is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(CsrfOf(s)));

    public void Set(HttpContext http, Session s) =>
        http.Response.Cookies.Append(Name, Encode(s), Options(http, DateTimeOffset.FromUnixTimeMilliseconds(s.ExpiresAtMs)));

    public static void Clear(HttpContext http) =>
        http.Response.Cookies.Append(Name, "", Options(http, DateTimeOffset.UnixEpoch));

    /// <summary>HttpOnly (no script reads it), SameSite=Strict (no other site's request carries it), Secure over HTTPS.</summary>
    private static CookieOptions Options(HttpContext http, DateTimeOffset expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = http.Request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };

    private byte[] Mac(string text) => HMACSHA256.HashData(_secret!, Encoding.UTF8.GetBytes(text));

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] UnB64(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
    }
}
