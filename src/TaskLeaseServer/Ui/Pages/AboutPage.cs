using System.Globalization;
using TaskLeaseServer.Hosting;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>What is running: version, engine, and the configuration in effect, with secrets left out.</summary>
public static class AboutPage
{
    public static IResult Render(HttpContext http, ServerOptions options, IStorageEngine engine) => Page(http, "About", "/ui/about", h =>
    {
        h.Raw("<dl class=\"fields\">");
        Field(h, "Version", ServerInfo.Version);
        Field(h, "Engine", engine.Name);
        Field(h, "Database", engine.Location); // PostgreSQL URLs come without their password
        Field(h, "Listening on", $"{options.Host}:{options.Port}");
        Field(h, "API token", options.ApiToken is null ? "none: the API is open" : $"set (from {options.ApiTokenSource})");
        Field(h, "Sweep interval", Duration((long)options.SweepInterval.TotalMilliseconds));
        Field(h, "Idempotency retention", Duration((long)options.IdempotencyRetention.TotalMilliseconds));
        Field(h, "OTLP retention", Duration((long)options.OtlpRetention.TotalMilliseconds));
        Field(h, "SQLite synchronous", options.SynchronousFull ? "full" : "normal");
        Field(h, "Config file", options.ConfigPath ?? "none");
        Memory(h);
        h.Raw("</dl>");
        h.Raw("<p>").Link("/openapi.json", "OpenAPI document").Raw(" · ").Link("/swagger", "API explorer").Raw("</p>");
    });

    private static void Field(Html h, string label, string value) => h.El("dt", label).El("dd", value);

    /// <summary>
    /// This process's memory, so an operator (and the ui-soak bench, from the data attributes) can see
    /// whether it grows: resident set, and the GC heap as the last collection left it.
    /// </summary>
    private static void Memory(Html h)
    {
        var rss = Environment.WorkingSet;
        var heap = GC.GetGCMemoryInfo().HeapSizeBytes;
        h.El("dt", "Memory").Raw("<dd").Attr("data-rss-bytes", rss.ToString(CultureInfo.InvariantCulture))
         .Attr("data-gc-heap-bytes", heap.ToString(CultureInfo.InvariantCulture)).Raw(">")
         .Text($"{Mb(rss)} resident, {Mb(heap)} GC heap (at the last collection)").Raw("</dd>");
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB";
}
