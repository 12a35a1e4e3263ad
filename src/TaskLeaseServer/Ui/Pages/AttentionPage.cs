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
        new(AttentionLane.Retrying, "Retrying after failures", "Failed runs behind them and still being worked; latest change first.",
            "/ui/tasks?status=waiting&sort=-created", "all tasks waiting out a delay"),
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
        // Each pipeline of the rows read once (the requeue targets of its rows' buttons), not once a row.
        var definitions = !UiAccess.CanAct(http) ? [] : rows.Values.SelectMany(p => p.Items).Select(t => t.PipelineId).Distinct(StringComparer.Ordinal)
            .ToDictionary(id => id, id => reads.Pipeline(id) is { } p ? Definitions.Of(p) : null, StringComparer.Ordinal);
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
                Table(h, ["Task", "Status", "Stage", "Changed", "Next action", "Actions"], page.Items, (h, t) =>
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
                h.Raw("<p class=\"more\">").Link(lane.AllHref, page.More ? $"More: {lane.AllLabel} →" : $"Filter: {lane.AllLabel} →").Raw("</p></section>");
            }
            Live(h, "attention", now, after);
        });
    }

    private static string Shown(RowPage<TaskRow> page) => page.More ? $"{page.Items.Count}+" : page.Items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Id(AttentionLane lane) => lane.ToString().ToLowerInvariant();
}
