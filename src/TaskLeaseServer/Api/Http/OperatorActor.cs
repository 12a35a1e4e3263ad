namespace TaskLeaseServer.Api.Http;

/// <summary>
/// Who an operator event names as its actor (EXTENSIONS §14): "token" when the server runs with an
/// API token (every request that reached an operator route presented it), "anonymous" on an open
/// server. The one seam scoped keys fill in: a key's name once keys exist (§13).
/// </summary>
public static class OperatorActor
{
    public const string Token = "token";
    public const string Anonymous = "anonymous";

    public static string Of(HttpContext http) =>
        http.RequestServices.GetRequiredService<ApiTokenAuth>().Enabled ? Token : Anonymous;
}
