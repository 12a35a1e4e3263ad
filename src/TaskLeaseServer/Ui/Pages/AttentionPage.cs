using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Background;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>
/// What needs a human: one lane per kind of trouble, the first rows of each (one index range, see
/// AttentionLane) with inspect's next action and the row's action slot, and a link to all of them.
/// </summary>
public static class AttentionPage
{
    public const int RowsPerLane = 10;
    private const long StuckMs = 300_000;

    private sealed record LaneInfo(AttentionLane Lane, string Title, string Help, string AllHref, string AllLabel);

    private static readonly LaneInfo[] Lanes =
    [
        new(AttentionLane.DeadLettered, "Dead-lettered", "Out of attempts; nobody claims them until requeued.",
            "/ui/tasks?status=dead_lettered&sort=-created", "all dead-lettered tasks"),
        // No GET /tasks filter selects this lane (failed runs behind a task still worked): its own page does.
        new(AttentionLane.Retrying, "Retrying after failures", "Failed runs behind them and still being worked; latest change first.",
            "/ui/attention/retrying", "the whole lane"),
        new(AttentionLane.Stuck, "Stuck leases", "A run going for more than 5 min (the /ops/queue stuck figure).",
            "/ui/agents", "every lease in flight, by expiry"),
        new(AttentionLane.Blocked, "Blocked", "Waiting for upstream tasks to finish; oldest first.",
            "/ui/tasks?status=blocked", "all blocked tasks"),
        new(AttentionLane.Canceled, "Recently canceled", "Canceled by an operator; latest first.",
            "/ui/tasks?status=canceled&sort=-created", "all canceled tasks"),
    ];

    public static async Task<IResult> Render(HttpContext http, IReads reads, IWriteExecutor executor, EventFeed feed, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = Lanes.ToDictionary(l => l.Lane, l => reads.Attention(l.Lane, now, now - StuckMs, RowsPerLane));
        var queue = reads.Queue(now, now - StuckMs, now);
        var verdicts = await Inspections.Of(executor, rows.Values.SelectMany(p => p.Items).Select(t => t.Id));
        var definitions = DefinitionsOf(http, reads, rows.Values.SelectMany(p => p.Items));
        var after = await feed.Horizon(http.RequestAborted);
        return Page(http, "Attention", "/ui/attention", h =>
        {
            h.Raw("<nav class=\"lanes-toc\" aria-label=\"Lanes\"><ul>");
            foreach (var lane in Lanes)
            {
                var page = rows[lane.Lane];
                h.Raw("<li>").Raw($"<a href=\"#lane-{Id(lane.Lane)}\">").Text(lane.Title).Raw(" <span class=\"count\">")
                 .Text(Shown(page)).Raw("</span></a></li>");
            }
            h.Raw("</ul></nav>");
            foreach (var lane in Lanes)
            {
                var page = rows[lane.Lane];
                h.Raw($"<section class=\"lane\" id=\"lane-{Id(lane.Lane)}\" aria-labelledby=\"lane-{Id(lane.Lane)}-h\">");
                h.Raw($"<h2 id=\"lane-{Id(lane.Lane)}-h\">").Text(lane.Title).Raw(" <span class=\"count\">").Text(Shown(page)).Raw("</span></h2>");
                h.Raw("<p class=\"note\">").Text(lane.Help);
                if (lane.Lane == AttentionLane.Stuck) h.Text($" {queue.Sum(q => q.StuckCount)} stuck in all.");
                if (lane.Lane == AttentionLane.Retrying) h.Text($" {queue.Sum(q => q.FailedCount)} failed runs in all.");
                h.Raw("</p>");
                Rows(h, http, page.Items, verdicts, definitions, now);
                h.Raw("<p class=\"more\">").Link(lane.AllHref, page.More ? $"More: {lane.AllLabel} →" : $"Filter: {lane.AllLabel} →").Raw("</p></section>");
            }
            Live(h, "attention", now, after);
        });
    }

    /// <summary>
    /// All of one lane, a page at a time in the lane's order (the lane's index from the row after
    /// ?after=KEY:ID); the stuck lane has none (its rows are the runs in flight, on the Agents page).
    /// </summary>
    public static async Task<IResult> Lane(HttpContext http, string lane, IReads reads, IWriteExecutor executor, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var info = Lanes.FirstOrDefault(l => Id(l.Lane) == lane && l.Lane != AttentionLane.Stuck);
        if (info is null) return Page(http, "No such lane", "/ui/attention", h => h.El("p", $"There is no lane \"{lane}\" with a page of its own."), 404);
        (long, string)? after = null;
        if (Query.Value(http, "after") is { Length: > 0 } cursor)
        {
            var colon = cursor.IndexOf(':');
            if (colon < 1 || !long.TryParse(cursor[..colon], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var key))
                return Page(http, info.Title, "/ui/attention", h => h.El("p", "after must be KEY:ID as the \"Next page\" link gives it; start again from the first page.", "problem"), 400);
            after = (key, cursor[(colon + 1)..]);
        }
        var page = reads.Attention(info.Lane, now, now - StuckMs, LanePage, after);
        var verdicts = await Inspections.Of(executor, page.Items.Select(t => t.Id));
        var definitions = DefinitionsOf(http, reads, page.Items);
        return Page(http, info.Title, "/ui/attention", h =>
        {
            h.Raw("<p class=\"note\">").Text(info.Help).Raw(" ").Link("/ui/attention", "Back to all lanes").Raw("</p>");
            Rows(h, http, page.Items, verdicts, definitions, now);
            if (page.More)
            {
                var last = page.Items[^1];
                var next = UiSql.KeyOf(info.Lane, last).ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + last.Id;
                h.Raw("<p class=\"pager\">").Link(Html.Url("/ui/attention/" + lane, ("after", next)), "Next page →").Raw("</p>");
            }
        });
    }

    private const int LanePage = 50;

    private static void Rows(Html h, HttpContext http, IReadOnlyList<TaskRow> items, IReadOnlyDictionary<string, InspectResult> verdicts,
        IReadOnlyDictionary<string, PipelineDefinition?> definitions, long now) =>
        Table(h, ["Task", "Status", "Stage", "Changed", "Next action", "Actions"], items, (h, t) =>
        {
            var status = TaskStatusRule.Of(t.State(now), now);
            h.Raw("<td>").Link("/ui/tasks/" + Html.Seg(t.Id), t.Title.Length == 0 ? "(untitled)" : t.Title).Raw("</td>");
            Cell(h, status, "status " + status);
            Cell(h, t.Stage);
            Cell(h, Age(now, t.UpdatedAtMs) + " ago");
            Cell(h, verdicts.TryGetValue(t.Id, out var v) ? v.NextAction : "—", "next");
            h.Raw("<td class=\"actions\">");
            ActionSlot.Task(h, http, t, definitions.GetValueOrDefault(t.PipelineId), compact: true);
            h.Raw("</td>");
        }, "Nothing here.");

    /// <summary>Each pipeline of the rows read once (the requeue targets of its rows' buttons), not once a row; none for a session that cannot act.</summary>
    private static Dictionary<string, PipelineDefinition?> DefinitionsOf(HttpContext http, IReads reads, IEnumerable<TaskRow> rows) =>
        !UiAccess.CanAct(http) ? [] : rows.Select(t => t.PipelineId).Distinct(StringComparer.Ordinal)
            .ToDictionary(id => id, id => reads.Pipeline(id) is { } p ? Definitions.Of(p) : null, StringComparer.Ordinal);

    private static string Shown(RowPage<TaskRow> page) => page.More ? $"{page.Items.Count}+" : page.Items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Id(AttentionLane lane) => lane.ToString().ToLowerInvariant();
}
