using System.Globalization;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Background;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>
/// One task: fields, inspect's panel, its stage on the pipeline graph, dependencies both ways,
/// assignments, the attempt chain, and one timeline of its run events, operator actions and artifacts.
/// </summary>
public static class TaskPage
{
    private const int RunsShown = 50;
    private const int DependentsShown = 50;
    private const int TimelinePage = 100;
    private const int ArtifactsRead = 200;

    public static async Task<IResult> Render(HttpContext http, string id, IReads reads, IWriteExecutor executor, EventFeed feed, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var details = reads.TaskDetails(id);
        if (details is null) return Page(http, "No such task", "/ui/tasks", h => h.El("p", $"There is no task {id}."), 404);
        var t = details.Task;
        var pipeline = reads.Pipeline(t.PipelineId); // its name; the definition came with the details
        var definition = details.Definition;
        var status = TaskStatusRule.Of(t.State(now), now);
        var verdict = (await Inspections.Of(executor, [id])).GetValueOrDefault(id);
        var dependents = reads.Dependents(id, DependentsShown);
        var runs = reads.TaskRuns(id, null, RunsShown) ?? new RowPage<RunDetailsRow>([], false);
        var after = Query.Long(http, "after", 0);
        var horizon = await feed.Horizon(http.RequestAborted);
        var events = reads.EventsFor(new EventFilter(TaskId: id), after, horizon, TimelinePage);
        var artifacts = reads.Artifacts(new ArtifactFilter(id, null, null, ArtifactsRead));
        var attempts = runs.Items.ToDictionary(r => r.Id, r => r.Attempt, StringComparer.Ordinal);

        return Page(http, t.Title.Length == 0 ? "(untitled task)" : t.Title, "/ui/tasks", h =>
        {
            h.Raw("<div class=\"actions-bar\">");
            ActionSlot.Task(h, http, t, definition, compact: false);
            h.Raw("</div><div class=\"split\"><dl class=\"fields\">");
            Field(h, "Status", status, "status " + status);
            Field(h, "Stage", t.Stage);
            h.Raw("<dt>Pipeline</dt><dd>").Link("/ui/pipelines/" + Html.Seg(t.PipelineId), pipeline?.Name ?? t.PipelineId).Raw("</dd>");
            Field(h, "Role", t.Role ?? "—");
            Field(h, "Priority", t.Priority.ToString(CultureInfo.InvariantCulture));
            Field(h, "Task version", t.TaskVersion.ToString(CultureInfo.InvariantCulture));
            Field(h, "Max attempts", t.MaxAttempts?.ToString(CultureInfo.InvariantCulture) ?? "unlimited");
            Field(h, "Dead-letter reason", t.DeadLetterReason ?? "—");
            Field(h, "Paused", t.Paused ? "yes" + (t.PauseReason is null ? "" : ": " + t.PauseReason) : "no");
            Field(h, "Canceled", t.CanceledAtMs is null ? "no" : Time(t.CanceledAtMs) + (t.CancelReason is null ? "" : ": " + t.CancelReason));
            Field(h, "Not before", t.NotBeforeMs == 0 ? "—" : Time(t.NotBeforeMs));
            Field(h, "Usage total", UsageTotal.Of(details.RunUsages), "mono");
            Field(h, "Created", Time(t.CreatedAtMs));
            Field(h, "Updated", Time(t.UpdatedAtMs));
            Field(h, "Id", t.Id, "mono");
            h.Raw("</dl>");
            if (verdict is not null) Inspections.Panel(h, verdict);
            h.Raw("</div>");
            if (t.Description.Length > 0) h.El("h2", "Description").El("p", t.Description, "description");
            h.Raw("<figure class=\"graph\">");
            StateGraph.Draw(h, definition, counts: null, current: t.Stage, withCounts: false);
            h.Raw("<figcaption>The task's stage (outlined) on its pipeline.</figcaption></figure>");

            h.Raw("<div class=\"split\"><section>");
            h.El("h2", "Depends on (upstream)");
            Table(h, ["Task", "Finished"], details.Dependencies, (h, d) =>
            {
                h.Raw("<td>").Link("/ui/tasks/" + Html.Seg(d.DependsOnTaskId), d.DependsOnTaskId, "mono").Raw("</td>");
                Cell(h, d.Resolved ? "yes" : "no", d.Resolved ? "status done" : "status blocked");
            }, "No upstream tasks.");
            h.Raw("</section><section>");
            h.El("h2", "Needed by (downstream)");
            Table(h, ["Task", "Stage", "Status"], dependents.Items, (h, d) =>
            {
                h.Raw("<td>").Link("/ui/tasks/" + Html.Seg(d.Id), d.Title.Length == 0 ? d.Id : d.Title).Raw("</td>");
                Cell(h, d.Stage);
                var s = TaskStatusRule.Of(d.State(now), now);
                Cell(h, s, "status " + s);
            }, "No task waits for this one.");
            if (dependents.More) h.El("p", $"The first {DependentsShown} are shown.", "note");
            h.Raw("</section></div>");

            h.El("h2", "Assignments");
            Table(h, ["Agent", "Active", "Assigned by", "Since"], details.Assignments, (h, a) =>
            {
                Cell(h, a.AgentId);
                Cell(h, a.Active ? "active" : "ended");
                Cell(h, a.AssignedBy ?? "—");
                Cell(h, Time(a.CreatedAtMs));
            }, "No assignments.");

            h.El("h2", "Attempts");
            Table(h, ["#", "Run", "Status", "Agent", "Started", "Took", "Failure"], runs.Items, (h, r) =>
            {
                Cell(h, r.Attempt);
                h.Raw("<td>").Link("/ui/runs/" + Html.Seg(r.Id), r.Id, "mono").Raw("</td>");
                Cell(h, r.Status, "run " + r.Status);
                Cell(h, r.AgentId ?? "—");
                Cell(h, Time(r.StartedAtMs), "time");
                Cell(h, r.StartedAtMs is { } s ? Duration((r.EndedAtMs ?? now) - s) + (r.EndedAtMs is null ? " so far" : "") : "—");
                Cell(h, r.FailureKind is null && r.ErrorText is null ? "—" : $"{r.FailureKind}{(r.ErrorText is null ? "" : ": " + r.ErrorText)}");
            }, "Never claimed.");
            if (runs.More) h.El("p", $"The first {RunsShown} attempts are shown.", "note");

            h.El("h2", "Timeline");
            h.El("p", "Run events, operator actions (with who did it) and artifacts, oldest first.", "note");
            Timeline(h, events, artifacts.Items, attempts, after);
            if (events.More)
                h.Raw("<p class=\"pager\">").Link(Html.Url("/ui/tasks/" + Html.Seg(id), ("after", events.Items[^1].Id.ToString(CultureInfo.InvariantCulture))), "Later events →").Raw("</p>");

            h.El("h2", "Metadata");
            h.El("pre", EventText.Pretty(t.MetadataJson), "json");
        });
    }

    private sealed record Entry(long TsMs, long Order, string Source, string? SourceHref, string Kind, string? Actor, string Detail, string Cls);

    /// <summary>
    /// The page's events, with the artifacts created within the page's span of time (a task's
    /// artifacts are read up to <see cref="ArtifactsRead"/>), in time order.
    /// </summary>
    private static void Timeline(Html h, RowPage<EventRow> events, IReadOnlyList<ArtifactRow> artifacts, Dictionary<string, long> attempts, long after)
    {
        var from = after > 0 && events.Items.Count > 0 ? events.Items[0].TsMs : long.MinValue;
        var to = events.More ? events.Items[^1].TsMs : long.MaxValue;
        var entries = new List<Entry>();
        foreach (var e in events.Items)
        {
            var actor = EventText.Actor(e.DataJson);
            var source = string.IsNullOrEmpty(e.RunId) ? "task" : attempts.TryGetValue(e.RunId, out var n) ? $"attempt {n}" : "run";
            entries.Add(new(e.TsMs, e.Id, source, string.IsNullOrEmpty(e.RunId) ? null : "/ui/runs/" + Html.Seg(e.RunId), e.Kind, actor,
                EventText.Compact(e.DataJson), actor is null ? "event" : "operator"));
        }
        foreach (var a in artifacts.Where(a => a.CreatedAtMs >= from && a.CreatedAtMs <= to))
            entries.Add(new(a.CreatedAtMs, long.MaxValue, "artifact", a.RunId is null ? null : "/ui/runs/" + Html.Seg(a.RunId), a.Kind, null,
                a.Uri + (a.SizeBytes is { } size ? $" ({size} bytes)" : ""), "artifact"));
        Table(h, ["Time", "From", "Kind", "By", "Detail"], entries.OrderBy(e => e.TsMs).ThenBy(e => e.Order), (h, e) =>
        {
            Cell(h, Time(e.TsMs), "time");
            if (e.SourceHref is null) Cell(h, e.Source, "time");
            else h.Raw("<td class=\"time\">").Link(e.SourceHref, e.Source).Raw("</td>");
            h.Raw($"<td><span class=\"chip {e.Cls}\">").Text(e.Kind).Raw("</span></td>");
            Cell(h, e.Actor ?? "—");
            h.Raw("<td><code>").Text(e.Detail).Raw("</code></td>");
        }, "Nothing has happened to this task yet.");
    }

    private static void Field(Html h, string label, string value, string? cls = null) =>
        h.El("dt", label).El("dd", value, cls);
}
