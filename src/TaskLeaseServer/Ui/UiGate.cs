using TaskLeaseServer.Hosting;

namespace TaskLeaseServer.Ui;

/// <summary>
/// Who may open the dashboard. Without an API token the server is open, and so is /ui, but only
/// when it listens on loopback: a dashboard reachable from the network without any credential
/// would hand everyone the operator's view. With a token, /ui is refused until its sign-in exists
/// (the browser cannot send a bearer by itself); the page says what to do.
/// </summary>
public static class UiGate
{
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<ServerOptions>();
        if (http.Request.Path.StartsWithSegments("/ui/assets")) return await next(context);
        if (options.ApiToken is not null)
            return Layout.Page(http, "Sign-in needed", "", h => h.El("p",
                "This server has an API token. The dashboard's sign-in is not built yet; until then, use the API with the token."), 401);
        if (!options.LoopbackOnly)
            return Layout.Page(http, "Dashboard closed", "", h => h.El("p",
                $"This server listens on {options.Host} without an API token, so the dashboard stays closed: anyone on the network could read it. Start the server with --token, or on 127.0.0.1."), 403);
        return await next(context);
    }
}
