using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// Who sent the request, as the API-token check found it: the bootstrap token ("token", every
/// scope), a key (its name and highest scope), or nobody on a server without a token
/// ("anonymous", every scope). Operator actions record <see cref="Actor"/> in their events (§14).
/// </summary>
public sealed record Caller(string Actor, ApiScope Scope, string? KeyId = null)
{
    public static readonly Caller Anonymous = new("anonymous", ApiScope.Admin);
    public static readonly Caller Token = new("token", ApiScope.Admin);

    /// <summary>The request's caller; <see cref="Anonymous"/> when none was found (open server, open route).</summary>
    public static Caller Of(HttpContext context) => context.Items[typeof(Caller)] as Caller ?? Anonymous;

    /// <summary>The caller the token check found, or null (a lease token, or nothing usable).</summary>
    public static Caller? Found(HttpContext context) => context.Items[typeof(Caller)] as Caller;

    public bool Has(ApiScope scope) => Scope >= scope;
}
