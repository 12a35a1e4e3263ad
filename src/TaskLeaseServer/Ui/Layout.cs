namespace TaskLeaseServer.Ui;

/// <summary>The frame of every page: head, navigation, main; the strict security headers.</summary>
public static class Layout
{
    /// <summary>No inline script or style, nothing from another origin, no framing, forms only to this server.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly (string Href, string Label)[] Nav =
    [
        ("/ui", "Overview"), ("/ui/attention", "Attention"), ("/ui/tasks", "Tasks"), ("/ui/pipelines", "Pipelines"),
        ("/ui/roles", "Roles"), ("/ui/agents", "Agents"), ("/ui/store", "Store"), ("/ui/keys", "Keys"), ("/ui/about", "About"),
    ];

    public static IResult Page(HttpContext http, string title, string active, Action<Html> body, int status = 200)
    {
        var h = new Html();
        h.Raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
         .Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
         .Raw("<title>").Text(title).Raw(" · TaskLeaseServer</title>")
         .Raw("<link rel=\"stylesheet\" href=\"/ui/assets/ui.css\">")
         .Raw("<link rel=\"icon\" href=\"data:,\">") // no /favicon.ico request, so no 404 in the console
         .Raw("<script src=\"/ui/assets/ui.js\" defer></script><script src=\"/ui/assets/actions.js\" defer></script>");
        UiAccess.Head(h, http);
        h.Raw(UiAccess.CanStream(http) ? "</head><body data-stream>" : "</head><body>")
         .Raw("<header class=\"top\"><a class=\"brand\" href=\"/ui\">TaskLeaseServer</a><nav aria-label=\"Main\"><ul>");
        foreach (var (href, label) in Nav)
        {
            if (href == "/ui/keys" && !UiAccess.CanAdminister(http)) continue; // an admin's page
            h.Raw(href == active ? "<li aria-current=\"page\">" : "<li>").Link(href, label).Raw("</li>");
        }
        h.Raw("</ul></nav>");
        UiAccess.Bar(h, http);
        h.Raw("</header><main id=\"main\">");
        h.El("h1", title);
        body(h);
        h.Raw("</main></body></html>");
        return new HtmlResult(h.ToString(), status);
    }

    private sealed class HtmlResult(string html, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = "text/html; charset=utf-8";
            SecurityHeaders(http.Response);
            return http.Response.WriteAsync(html);
        }
    }

    public static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
    }

    /// <summary>A table: headers, then one row per item written by <paramref name="row"/>.</summary>
    public static void Table<T>(Html h, IReadOnlyList<string> headers, IEnumerable<T> items, Action<Html, T> row, string empty)
    {
        var list = items.ToList();
        if (list.Count == 0)
        {
            h.El("p", empty, "empty");
            return;
        }
        h.Raw("<div class=\"scroll\"><table><thead><tr>");
        foreach (var header in headers) h.El("th", header);
        h.Raw("</tr></thead><tbody>");
        foreach (var item in list)
        {
            h.Raw("<tr>");
            row(h, item);
            h.Raw("</tr>");
        }
        h.Raw("</tbody></table></div>");
    }

    /// <summary>
    /// Marks a page live for ui.js: it follows <paramref name="stream"/> from event id
    /// <paramref name="after"/> (the settled horizon the page was rendered at, so nothing is replayed)
    /// and re-reads the page on each event, or, with <paramref name="tail"/>, appends each event to that tbody.
    /// </summary>
    public static void Live(Html h, string kind, long now, long after, string stream = "/events/stream", string? tail = null)
    {
        h.Raw("<p class=\"note live\"").Attr("data-live", kind).Attr("data-stream", stream)
         .Attr("data-after", after.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (tail is not null) h.Attr("data-tail", tail);
        h.Raw(">").Text(tail is null ? "Updates live." : "New events appear live.").Raw(" As of ").Text(Time(now)).Raw(".</p>");
    }

    public static void Cell(Html h, string? text, string? cls = null) => h.El("td", text, cls);
    public static void Cell(Html h, long value) => h.Raw("<td class=\"num\">").Text(value).Raw("</td>");

    public static string Age(long now, long? atMs) => atMs is { } at ? Duration(Math.Max(0, now - at)) : "—";

    public static string Duration(long ms) => ms switch
    {
        < 1_000 => $"{ms} ms",
        < 60_000 => $"{ms / 1000} s",
        < 3_600_000 => $"{ms / 60_000} min",
        < 86_400_000 => $"{ms / 3_600_000} h",
        _ => $"{ms / 86_400_000} d",
    };

    public static string Time(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC" : "—";
}
