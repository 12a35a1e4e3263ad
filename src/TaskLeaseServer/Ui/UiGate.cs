using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Hosting;

namespace TaskLeaseServer.Ui;

/// <summary>
/// Who may open the dashboard. With an API token (and so possibly keys) every page needs a
/// credential, the session cookie of /ui/sign-in (a browser cannot send a bearer header by
/// itself); without one a page sends the browser to the sign-in form. Without a token the server is open, and so is /ui,
/// but only when it listens on loopback: a dashboard reachable from the network without any
/// credential would hand everyone the operator's view. The caller found decides what a page
/// offers (<see cref="UiAccess"/>).
/// </summary>
public static class UiGate
{
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var path = http.Request.Path;
        if (path.StartsWithSegments("/ui/assets")) return await next(context);
        var auth = http.RequestServices.GetRequiredService<ApiTokenAuth>();
        if (auth.Enabled)
        {
            if (path.StartsWithSegments("/ui/sign-in")) return await next(context);
            if (auth.FromCookie(http) is ({ } caller, _))
            {
                http.Items[typeof(Caller)] = caller;
                return await next(context);
            }
            if (http.Request.Cookies.ContainsKey(SessionCookie.Name)) SessionCookie.Clear(http); // a dead session: forget it
            var back = HttpMethods.IsGet(http.Request.Method) ? path + http.Request.QueryString : "/ui";
            return Results.Redirect(Html.Url("/ui/sign-in", ("next", back)));
        }
        var options = http.RequestServices.GetRequiredService<ServerOptions>();
        if (!options.LoopbackOnly)
            return Layout.Page(http, "Dashboard closed", "", h => h.El("p",
                $"This server listens on {options.Host} without an API token, so the dashboard stays closed: anyone on the network could read it. Start the server with --token, or on 127.0.0.1."), 403);
        return await next(context);
    }
}
