using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>Tasks, newest page first by creation, filtered by pipeline and stage (kept in the URL), a page at a time.</summary>
public static class TasksPage
{
    private const int PageSize = 50;

    public static IResult Render(HttpContext http, IReads reads, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var q = http.Request.Query;
        string? Arg(string name) => q[name].FirstOrDefault() is { Length: > 0 } v ? v : null;
        var stage = Arg("stage");
        var pipeline = Arg("pipeline_id");
        var cursorText = Arg("cursor");
        (long, string)? cursor;
        try { cursor = Cursor.ParseTimeAndId(cursorText); }
        catch (ApiError) { cursor = null; } // a hand-edited URL starts again at the first page

        var page = reads.Tasks(new TaskFilter(stage, pipeline, cursor, PageSize));
        return Page(http, "Tasks", "/ui/tasks", h =>
        {
            h.Raw("<form class=\"filters\" method=\"get\" action=\"/ui/tasks\">");
            Field(h, "pipeline_id", "Pipeline id", pipeline);
            Field(h, "stage", "Stage", stage);
            h.Raw("<button type=\"submit\">Filter</button></form>");
            var pick = UiAccess.CanAct(http);
            Table(h, pick ? ["", "Title", "Status", "Stage", "Priority", "Version", "Created", "Updated"] : ["Title", "Status", "Stage", "Priority", "Version", "Created", "Updated"], page.Items, (h, t) =>
            {
                if (pick) Selection(h, t);
                h.Raw("<td>").Link("/ui/tasks/" + Html.Seg(t.Id), t.Title.Length == 0 ? "(untitled)" : t.Title).Raw("</td>");
                var status = TaskStatusRule.Of(t.State(now), now);
                Cell(h, status, "status " + status);
                Cell(h, t.Stage);
                Cell(h, t.Priority);
                Cell(h, t.TaskVersion);
                Cell(h, Age(now, t.CreatedAtMs) + " ago");
                Cell(h, Age(now, t.UpdatedAtMs) + " ago");
            }, "No task matches.");
            var (bulkFilter, whyNot) = BulkFilter(http);
            Actions.Bulk(h, http, SelectName, bulkFilter, whyNot);
            if (page.More)
            {
                var last = page.Items[^1];
                h.Raw("<p class=\"pager\">").Link(Html.Url("/ui/tasks", ("pipeline_id", pipeline), ("stage", stage),
                    ("cursor", $"{last.CreatedAtMs}:{last.Id}")), "Next page →").Raw("</p>");
            }
        });
    }

    private const string SelectName = "select-task";

    private static void Selection(Html h, TaskRow t) =>
        h.Raw("<td class=\"pick\"><input type=\"checkbox\" data-select").Attr("name", SelectName).Attr("value", t.Id)
         .Attr("aria-label", "Select " + (t.Title.Length == 0 ? t.Id : t.Title)).Raw("></td>");

    /// <summary>
    /// The page's filter as the bulk API's (pipeline_id, stage, status, role), or null with why
    /// not: the page filters by something the bulk API cannot, or by nothing at all.
    /// </summary>
    private static (IReadOnlyList<(string, string)>? Filter, string? Why) BulkFilter(HttpContext http)
    {
        string[] bulkable = ["pipeline_id", "stage", "status", "role"];
        var filter = new List<(string, string)>();
        foreach (var (name, values) in http.Request.Query)
        {
            if (values.FirstOrDefault() is not { Length: > 0 } value || name is "cursor" or "sort") continue;
            if (!bulkable.Contains(name)) return (null, $"The bulk API filters by pipeline, stage, status and role only, not by {name}: tick rows instead.");
            filter.Add((name, value));
        }
        return filter.Count == 0 ? (null, "Filter the list (pipeline, stage, status or role) to act on all its matches.") : (filter, null);
    }

    private static void Field(Html h, string name, string label, string? value) =>
        h.Raw("<label>").Text(label).Raw("<input type=\"text\"").Attr("name", name).Attr("value", value).Raw("></label>");
}
