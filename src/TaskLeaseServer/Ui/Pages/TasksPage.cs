using System.Globalization;
using TaskLeaseServer.Api;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>
/// Tasks with every filter and sort of GET /tasks (EXTENSIONS §11), read by the API's own listing
/// code (TaskListing.Parse), kept in the URL, a page at a time; rows selectable for a bulk action.
/// </summary>
public static class TasksPage
{
    private const int PageSize = 50;

    /// <summary>"All N matching" counts this far (one index page), then says "N+".</summary>
    public const int CountCap = 1_000;

    /// <summary>The filters of the form, in its order, with their labels; each is the API's query parameter.</summary>
    private static readonly (string Name, string Label, string Type)[] Filters =
    [
        ("q", "Search", "search"), ("pipeline_id", "Pipeline id", "text"), ("stage", "Stage", "text"), ("role", "Role", "text"),
        ("assigned_agent_id", "Assignee", "text"), ("priority_min", "Priority ≥", "number"), ("priority_max", "Priority ≤", "number"),
    ];

    private static readonly string[] Kept = [.. Filters.Select(f => f.Name), "status", "sort"];

    private static readonly (string Value, string Label)[] SortLabels =
        [("created", "Oldest first"), ("-created", "Newest first"), ("priority", "Priority"), ("updated", "Least recently updated")];

    public static IResult Render(HttpContext http, IReads reads, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        string? Arg(string name) => Query.Value(http, name) is { Length: > 0 } v ? v : null;
        RowPage<TaskRow> page = new([], false);
        TaskSort sort = TaskSort.Created;
        string? problem = null;
        (long Count, bool Exact) matching = (0, true);
        try
        {
            (var filter, sort) = TaskListing.Parse(http, now, PageSize);
            page = List(reads, filter);
            matching = Matching(reads, filter, page);
        }
        catch (ApiError e) { problem = e.Message; } // a hand-edited URL: say what to fix, show no rows

        return Page(http, "Tasks", "/ui/tasks", h =>
        {
            h.Raw("<form class=\"filters\" method=\"get\" action=\"/ui/tasks\" role=\"search\">");
            foreach (var (name, label, type) in Filters)
                h.Raw("<label>").Text(label).Raw($"<input type=\"{type}\"").Attr("name", name).Attr("value", Arg(name)).Raw("></label>");
            StatusSelect(h, Arg("status"));
            h.Raw("<label>Sort<select name=\"sort\">");
            foreach (var (value, label) in SortLabels)
                h.Raw("<option").Attr("value", value).Raw((Arg("sort") ?? "created") == value ? " selected>" : ">").Text(label).Raw("</option>");
            h.Raw("</select></label><button type=\"submit\">Filter</button>")
             .Raw("<a class=\"reset\" href=\"/ui/tasks\">Clear</a></form>");
            if (problem is not null)
            {
                h.El("p", problem, "problem");
                return;
            }

            var pick = UiAccess.CanAct(http);
            var n = matching.Exact ? matching.Count.ToString("N0", CultureInfo.InvariantCulture) : CountCap.ToString("N0", CultureInfo.InvariantCulture) + "+";
            h.El("p", $"{n} matching.", "note");

            if (!matching.Exact) h.El("p", $"More than {n} match (counting stops there); {PageSize} a page.", "note");
            h.Raw("<div class=\"scroll\"><table><thead><tr>");
            if (pick) SelectAll(h);
            h.El("th", "Title").El("th", "Status").El("th", "Stage").El("th", "Role");
            SortHeader(h, http, "Priority", "priority", sort == TaskSort.Priority);
            h.El("th", "Version");
            SortHeader(h, http, "Created", sort == TaskSort.CreatedDescending ? "created" : "-created", sort is TaskSort.Created or TaskSort.CreatedDescending);
            SortHeader(h, http, "Updated", "updated", sort == TaskSort.Updated);
            h.Raw("</tr></thead><tbody>");
            foreach (var t in page.Items)
            {
                var status = TaskStatusRule.Of(t.State(now), now);
                h.Raw("<tr>");
                if (pick) Selection(h, t);
                h.Raw("<td>").Link("/ui/tasks/" + Html.Seg(t.Id), t.Title.Length == 0 ? "(untitled)" : t.Title).Raw("</td>");
                Cell(h, status, "status " + status);
                Cell(h, t.Stage);
                Cell(h, t.Role ?? "—");
                Cell(h, t.Priority);
                Cell(h, t.TaskVersion);
                Cell(h, Age(now, t.CreatedAtMs) + " ago");
                Cell(h, Age(now, t.UpdatedAtMs) + " ago");
                h.Raw("</tr>");
            }
            if (page.Items.Count == 0) h.Raw("<tr><td colspan=\"9\" class=\"empty\">No task matches.</td></tr>");
            h.Raw("</tbody></table></div>");
            var (bulkFilter, whyNot) = BulkFilter(http);
            Actions.Bulk(h, http, SelectName, bulkFilter, whyNot);
            if (page.More)
            {
                var cursor = TaskListing.CursorOf(sort, page.Items[^1]);
                h.Raw("<p class=\"pager\">").Link(With(http, ("cursor", cursor)), "Next page →").Raw("</p>");
            }
        });
    }

    private const string SelectName = "select-task";

    /// <summary>
    /// Ticks or clears every row of the page (actions.js); shown only where the script runs (it marks
    /// the document "js"), since without it the box could do nothing, and the bulk form needs it anyway.
    /// </summary>
    private static void SelectAll(Html h) =>
        h.Raw("<th class=\"pick\"><span class=\"sr\">Select</span><input type=\"checkbox\" class=\"select-all\"").Attr("data-select-all", SelectName)
         .Attr("aria-label", "Select every row on this page").Raw("></th>");

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

    /// <summary>
    /// How many match: with no filter but stage, the stage counters (the figures of /health);
    /// otherwise one listing page of up to <see cref="CountCap"/> rows from the first.
    /// </summary>
    private static (long, bool) Matching(IReads reads, TaskFilter filter, RowPage<TaskRow> page)
    {
        var plain = filter.Search is null or { IsPlain: true } && filter.PipelineId is null;
        if (plain && filter.After is null)
        {
            var stages = reads.Health(0).Stages;
            return (filter.Stage is null ? stages.Sum(s => s.Count) : stages.Where(s => s.Stage == filter.Stage).Sum(s => s.Count), true);
        }
        if (filter.After is null && filter.Search?.After is null && !page.More) return (page.Items.Count, true);
        var first = filter with { After = null, Limit = CountCap, Search = filter.Search is null ? null : filter.Search with { After = null } };
        var counted = List(reads, first);
        return (counted.Items.Count, !counted.More);
    }

    /// <summary>GET /tasks's listing; status=leased from the leases table (UiSql.IsLeasedOnly says why).</summary>
    private static RowPage<TaskRow> List(IReads reads, TaskFilter filter) =>
        UiSql.IsLeasedOnly(filter) ? reads.LeasedTasks(filter) : reads.Tasks(filter);

    private static void StatusSelect(Html h, string? current)
    {
        h.Raw("<label>Status<select name=\"status\"><option value=\"\">any</option>");
        var known = TaskStatusRule.All.Contains(current ?? "");
        if (current is not null && !known) h.Raw("<option selected").Attr("value", current).Raw(">").Text(current).Raw("</option>");
        foreach (var status in TaskStatusRule.All)
            h.Raw("<option").Attr("value", status).Raw(status == current ? " selected>" : ">").Text(status.Replace('_', ' ')).Raw("</option>");
        h.Raw("</select></label>");
    }

    private static void SortHeader(Html h, HttpContext http, string label, string sort, bool active)
    {
        h.Raw(active ? "<th aria-sort=\"ascending\">" : "<th>").Link(With(http, ("sort", sort), ("cursor", null)), label, active ? "sorted" : null).Raw("</th>");
    }

    /// <summary>This page's URL with its filters kept and the given parameters replaced (null: dropped).</summary>
    private static string With(HttpContext http, params (string Name, string? Value)[] changes)
    {
        var query = Kept.Select(k => (k, Query.Value(http, k))).ToList();
        query.Add(("cursor", Query.Value(http, "cursor")));
        foreach (var (name, value) in changes)
        {
            query.RemoveAll(q => q.Item1 == name);
            query.Add((name, value));
        }
        return Html.Url("/ui/tasks", [.. query]);
    }
}
