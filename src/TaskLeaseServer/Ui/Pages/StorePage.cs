using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>The KV store: one namespace's entries, or a full-text search with the same rules as GET /store/search.</summary>
public static class StorePage
{
    public static IResult Render(HttpContext http, IReads reads)
    {
        var q = http.Request.Query;
        var ns = q["namespace"].FirstOrDefault() is { Length: > 0 } n ? n : null;
        var text = q["q"].FirstOrDefault() is { Length: > 0 } s ? s : null;
        IReadOnlyList<StoreEntryRow> entries = [];
        string? problem = null;
        if (text is not null)
        {
            try { entries = reads.KvSearch(new KvQuery(text, ns, null, null, 100)); }
            catch (DomainError e) { problem = e.Message; }
        }
        else if (ns is not null) entries = reads.KvList(ns);
        return Page(http, "Store", "/ui/store", h =>
        {
            h.Raw("<form class=\"filters\" method=\"get\" action=\"/ui/store\" role=\"search\">")
             .Raw("<label>Namespace<input type=\"text\" name=\"namespace\"").Attr("value", ns).Raw("></label>")
             .Raw("<label>Search<input type=\"search\" name=\"q\"").Attr("value", text).Raw("></label>")
             .Raw("<button type=\"submit\">Show</button></form>");
            if (problem is not null) h.El("p", problem, "problem");
            if (ns is null && text is null)
            {
                h.El("p", "Name a namespace to list its entries, or search every namespace.", "empty");
                return;
            }
            Table(h, ["Namespace", "Key", "Value", "Updated"], entries, (h, e) =>
            {
                Cell(h, e.Namespace);
                Cell(h, e.Key, "mono");
                h.Raw("<td><code>").Text(e.ValueJson.Length <= 300 ? e.ValueJson : e.ValueJson[..299] + "…").Raw("</code></td>");
                Cell(h, Time(e.UpdatedAtMs));
            }, "No entries.");
        });
    }
}
