using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using TaskLeaseServer.Api.Http;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>
/// /ui/sign-in: a password field for the server's token or an API key; on a valid one, the signed
/// session cookie (<see cref="SessionCookie"/>) with that credential's scope. /ui/sign-out ends it.
/// Both forms are same-origin only: a cross-site POST is refused by the API-token check
/// (Sec-Fetch-Site) and, for older browsers, by the Origin check here; sign-out also needs the
/// session's CSRF token. Failed sign-ins are limited per client address (<see cref="SignInThrottle"/>).
/// </summary>
public static class SignInPage
{
    public static IResult Form(HttpContext http, ApiTokenAuth auth)
    {
        if (!auth.Enabled) return Results.Redirect("/ui");
        return Render(http, Next(http.Request.Query["next"].FirstOrDefault()), null, 200);
    }

    public static IResult SignIn(HttpContext http, ApiTokenAuth auth, SignInThrottle throttle, TimeProvider time)
    {
        if (!auth.Enabled) return Results.Redirect("/ui");
        if (!SameOrigin(http)) return Render(http, "/ui", "This form can only be sent from this server's own page.", 403);
        var form = Form(http);
        var next = Next(form.GetValueOrDefault("next").FirstOrDefault());
        var address = http.Connection.RemoteIpAddress;
        if (throttle.RetryAt(address) is { } at)
        {
            var wait = Math.Max(1, (long)Math.Ceiling((at - time.GetUtcNow()).TotalSeconds));
            http.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Render(http, next, $"Too many failed sign-ins from your address ({SignInThrottle.MaxFailures} in a minute): " +
                $"try again in {wait} s, at {Layout.Time(at.ToUnixTimeMilliseconds())}. The key was not checked.", 429);
        }
        var presented = form.GetValueOrDefault("key").FirstOrDefault()?.Trim() ?? "";
        if (presented.Length == 0) return Render(http, next, "Enter the server's API token or an API key.", 400);
        if (!auth.SignIn(presented, out var caller, out var keyHash, out var refusal))
        {
            throttle.Failed(address);
            return Render(http, next, "Not signed in: " + refusal + ".", 401);
        }
        var session = auth.Sessions.New(keyHash, caller.Scope, time.GetUtcNow().ToUnixTimeMilliseconds());
        auth.Sessions.Set(http, session);
        return Results.Redirect(next);
    }

    public static IResult SignOut(HttpContext http, ApiTokenAuth auth)
    {
        if (!auth.Enabled) return Results.Redirect("/ui");
        var session = ApiTokenAuth.SessionOf(http);
        if (!SameOrigin(http) || session is null || !auth.Sessions.CsrfMatches(session, Form(http).GetValueOrDefault("csrf").FirstOrDefault()))
            return Layout.Page(http, "Not signed out", "", h => h.El("p", "Sign out from the button of this server's own page."), 403);
        SessionCookie.Clear(http);
        return Results.Redirect("/ui/sign-in");
    }

    private static IResult Render(HttpContext http, string next, string? error, int status) =>
        Layout.Page(http, "Sign in", "", h =>
        {
            h.El("p", "This server needs a credential. Enter its API token or an API key: the dashboard then shows what that key may see, and offers the actions it may take.");
            if (error is not null) h.Raw("<p class=\"error\" role=\"alert\">").Text(error).Raw("</p>");
            h.Raw("<form class=\"sign-in\" method=\"post\" action=\"/ui/sign-in\">")
             .Raw("<label for=\"key\">API key or token</label>")
             .Raw("<input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"current-password\" required autofocus spellcheck=\"false\">")
             .Raw("<input type=\"hidden\" name=\"next\"").Attr("value", next).Raw(">")
             .Raw("<button type=\"submit\">Sign in</button></form>");
            h.El("p", $"The session lasts {SessionCookie.Lifetime.TotalHours:0} hours and ends at once when its key is revoked. The key is not stored in the browser.", "muted");
        }, status);

    /// <summary>Where to go after signing in: a dashboard path only, never another site (an open redirect).</summary>
    private static string Next(string? next) =>
        next is not null && next.StartsWith("/ui", StringComparison.Ordinal) && !next.StartsWith("/ui/sign-", StringComparison.Ordinal) &&
        !next.Contains('\\') && !next.Contains("//", StringComparison.Ordinal) ? next : "/ui";

    private static bool SameOrigin(HttpContext http)
    {
        // "null" is what a browser sends under this page's Referrer-Policy: no-referrer; the
        // Sec-Fetch-Site check (ApiTokenAuth) has already refused any other origin's request.
        var origin = http.Request.Headers.Origin.FirstOrDefault();
        return origin is null or "null" || string.Equals(origin, $"{http.Request.Scheme}://{http.Request.Host}", StringComparison.OrdinalIgnoreCase);
    }

    private static Dictionary<string, Microsoft.Extensions.Primitives.StringValues> Form(HttpContext http) =>
        QueryHelpers.ParseQuery(Encoding.UTF8.GetString(RequestBody.Of(http).Span));
}
