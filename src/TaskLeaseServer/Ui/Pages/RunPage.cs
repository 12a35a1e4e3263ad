using System.Globalization;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>One run: its lease (holder, expiry, heartbeat age), usage, a live tail of its events, and its OTLP spans as a waterfall.</summary>
public static class RunPage
{
    private const int EventsShown = 200;
    public const int SpansShown = 500;

    public static IResult Render(HttpContext http, string id, IReads reads, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var run = reads.Run(id);
        if (run is null) return Page(http, "No such run", "/ui/tasks", h => h.El("p", $"There is no run {id}."), 404);
        var task = reads.TaskDetails(run.TaskId);
        var after = Query.Long(http, "after", 0);
        var events = reads.Events(id, after, EventsShown);
        var spans = reads.Spans(new SpanFilter(id, null, null, null, SpansShown));
        var title = $"Run {run.Attempt} of " + (task is null ? run.TaskId : task.Task.Title.Length == 0 ? "(untitled task)" : task.Task.Title);
        return Page(http, title, "/ui/tasks", h =>
        {
            h.Raw("<div class=\"actions-bar\">");
            ActionSlot.Run(h, http, run, task);
            h.Raw("</div><dl class=\"fields\">");
            h.Raw("<dt>Task</dt><dd>").Link("/ui/tasks/" + Html.Seg(run.TaskId), task?.Task.Title is { Length: > 0 } t ? t : run.TaskId).Raw("</dd>");
            Field(h, "Status", run.Status, "run " + run.Status);
            Field(h, "Attempt", run.Attempt.ToString(CultureInfo.InvariantCulture));
            h.Raw("<dt>Agent</dt><dd>");
            if (run.AgentId is { } agent) h.Link(Html.Url("/ui/agents", ("agent", agent)), agent); else h.Text("—");
            h.Raw("</dd>");
            Field(h, "Role", run.AgentRole ?? "—");
            Field(h, "Started", Time(run.StartedAtMs));
            Field(h, "Ended", Time(run.EndedAtMs));
            if (run.LeaseId is not null)
            {
                Field(h, "Lease", run.LeaseId, "mono");
                var expires = run.LeaseExpiresAtMs ?? 0;
                Field(h, "Lease expires", Time(expires) + (expires > now ? $" (in {Duration(expires - now)})" : " (expired; the sweeper reaps it)"),
                    expires > now ? null : "status dead_lettered");
                Field(h, "Last heartbeat", run.LastHeartbeatMs is { } hb ? $"{Age(now, hb)} ago ({Time(hb)})" : "—");
            }
            else Field(h, "Lease", "none (the run has ended)");
            if (run.FailureKind is not null || run.ErrorText is not null)
                Field(h, "Failure", $"{run.FailureKind}{(run.ErrorText is null ? "" : ": " + run.ErrorText)}", "problem");
            Field(h, "Usage", run.UsageJson, "mono");
            if (task is not null) Field(h, "Task usage total", UsageTotal.Of(task.RunUsages), "mono");
            Field(h, "Id", run.Id, "mono");
            h.Raw("</dl>");

            h.El("h2", "Spans");
            Waterfall.Draw(h, spans.Items);
            if (spans.More) h.El("p", $"The first {SpansShown} spans are shown; GET /spans?run_id= pages through all.", "note");

            h.El("h2", "Events");
            h.Raw("<div class=\"scroll\"><table class=\"events\"><thead><tr><th>#</th><th>Time</th><th>Kind</th><th>Data</th></tr></thead><tbody id=\"tail\">");
            foreach (var e in events.Items)
            {
                h.Raw("<tr>");
                Cell(h, e.Id);
                Cell(h, Time(e.TsMs), "time");
                h.Raw("<td><span class=\"chip\">").Text(e.Kind).Raw("</span></td><td><code>").Text(EventText.Compact(e.DataJson)).Raw("</code></td></tr>");
            }
            h.Raw("</tbody></table></div>");
            if (events.Items.Count == 0) h.El("p", "No events yet.", "empty events-empty");
            var last = events.Items.Count > 0 ? events.Items[^1].Id : after;
            if (events.More)
                h.Raw("<p class=\"pager\">").Link(Html.Url("/ui/runs/" + Html.Seg(id), ("after", last.ToString(CultureInfo.InvariantCulture))), "Later events →").Raw("</p>");
            else if (run.Status == "running")
                Live(h, "run", now, last, "/runs/" + Html.Seg(id) + "/events/stream", tail: "tail");
        });
    }

    private static void Field(Html h, string label, string value, string? cls = null) => h.El("dt", label).El("dd", value, cls);
}
