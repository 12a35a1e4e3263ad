using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Ui;

/// <summary>
/// What the signed-in caller may see and do on a page: a <c>read</c> key sees everything and no
/// action; <c>operator</c> and wider act. Pages ask here, never look at scopes themselves.
/// </summary>
public static class UiAccess
{
    /// <summary>The page's caller: a session's key or token, or "anonymous" (admin) on an open loopback server.</summary>
    public static Caller Of(HttpContext http) => Caller.Of(http);

    public static bool CanAct(HttpContext http) => Of(http).Has(ApiScope.Operator);

    /// <summary>Whether the caller may see the key list (admin scope, as GET /ops/keys).</summary>
    public static bool CanAdminister(HttpContext http) => Of(http).Has(ApiScope.Admin);

    /// <summary>Whether the caller may open /events/stream (agent scope); a read session's pages poll instead.</summary>
    public static bool CanStream(HttpContext http) => Of(http).Has(ApiScope.Agent);

    public static bool Open(HttpContext http) => !http.RequestServices.GetRequiredService<ApiTokenAuth>().Enabled;

    /// <summary>The value for the X-CSRF-Token header of this page's writes; null without a session (an open server).</summary>
    public static string? Csrf(HttpContext http) =>
        ApiTokenAuth.SessionOf(http) is { } session ? http.RequestServices.GetRequiredService<ApiTokenAuth>().Sessions.CsrfOf(session) : null;

    /// <summary>The head's meta tags the action script reads: the CSRF token.</summary>
    public static void Head(Html h, HttpContext http)
    {
        if (Csrf(http) is { } csrf) h.Raw("<meta name=\"csrf-token\"").Attr("content", csrf).Raw(">");
    }

    /// <summary>Who is signed in (with a sign-out button), or that the dashboard is open on loopback.</summary>
    public static void Bar(Html h, HttpContext http)
    {
        h.Raw("<div class=\"who\">");
        if (Open(http))
        {
            h.El("span", "Open: no API token; reachable only from this machine", "badge open");
        }
        else if (ApiTokenAuth.SessionOf(http) is not null)
        {
            var caller = Of(http);
            h.Raw("<span class=\"badge\">").Text(caller.Actor).Raw(" · ").Text(ApiKey.NameOf(caller.Scope)).Raw("</span>");
            h.Raw("<form method=\"post\" action=\"/ui/sign-out\" class=\"inline\"><input type=\"hidden\" name=\"csrf\"")
             .Attr("value", Csrf(http)).Raw("><button type=\"submit\" class=\"link\">Sign out</button></form>");
        }
        h.Raw("</div>");
    }
}
