using System.Text.Json;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>One task: its fields, its stage on the pipeline graph, dependencies, assignments, and its latest run's events.</summary>
public static class TaskPage
{
    public static IResult Render(HttpContext http, string id, IReads reads, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var details = reads.TaskDetails(id);
        if (details is null) return Page(http, "No such task", "/ui/tasks", h => h.El("p", $"There is no task {id}."), 404);
        var t = details.Task;
        var pipeline = reads.Pipeline(t.PipelineId);
        var definition = pipeline is null ? null : Definitions.Of(pipeline);
        var status = TaskStatusRule.Of(t.State(now), now);
        return Page(http, t.Title.Length == 0 ? "(untitled task)" : t.Title, "/ui/tasks", h =>
        {
            Actions.ForTask(h, http, t, definition, now);
            h.Raw("<dl class=\"fields\">");
            Field(h, "Status", status, "status " + status);
            Field(h, "Stage", t.Stage);
            h.Raw("<dt>Pipeline</dt><dd>").Link("/ui/pipelines/" + Html.Seg(t.PipelineId), pipeline?.Name ?? t.PipelineId).Raw("</dd>");
            Field(h, "Priority", t.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Field(h, "Task version", t.TaskVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Field(h, "Max attempts", t.MaxAttempts?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited");
            Field(h, "Dead-letter reason", t.DeadLetterReason ?? "—");
            Field(h, "Paused", t.Paused ? "yes" + (t.PauseReason is null ? "" : ": " + t.PauseReason) : "no");
            Field(h, "Canceled", t.CanceledAtMs is null ? "no" : Time(t.CanceledAtMs) + (t.CancelReason is null ? "" : ": " + t.CancelReason));
            Field(h, "Not before", t.NotBeforeMs == 0 ? "—" : Time(t.NotBeforeMs));
            Field(h, "Created", Time(t.CreatedAtMs));
            Field(h, "Updated", Time(t.UpdatedAtMs));
            Field(h, "Id", t.Id, "mono");
            h.Raw("</dl>");
            if (t.Description.Length > 0) h.El("h2", "Description").El("p", t.Description, "description");
            if (definition is not null)
            {
                h.Raw("<figure class=\"graph\">");
                StateGraph.Draw(h, definition, counts: null, current: t.Stage, withCounts: false);
                h.Raw("<figcaption>The task's stage on its pipeline.</figcaption></figure>");
            }
            h.El("h2", "Dependencies");
            Table(h, ["Upstream task", "Resolved"], details.Dependencies, (h, d) =>
            {
                h.Raw("<td>").Link("/ui/tasks/" + Html.Seg(d.DependsOnTaskId), d.DependsOnTaskId, "mono").Raw("</td>");
                Cell(h, d.Resolved ? "yes" : "no");
            }, "No dependencies.");
            h.El("h2", "Assignments");
            Table(h, ["Agent", "Active", "Assigned by", "Since"], details.Assignments, (h, a) =>
            {
                Cell(h, a.AgentId);
                Cell(h, a.Active ? "active" : "ended");
                Cell(h, a.AssignedBy ?? "—");
                Cell(h, Time(a.CreatedAtMs));
            }, "No assignments.");
            h.El("h2", "Latest run");
            if (details.LatestRun is not { } run) h.El("p", "Never claimed.", "empty");
            else
            {
                h.Raw("<dl class=\"fields\">");
                Field(h, "Attempt", run.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Field(h, "Status", run.Status);
                Field(h, "Agent", run.AgentId ?? "—");
                Field(h, "Started", Time(run.StartedAtMs));
                Field(h, "Ended", Time(run.EndedAtMs));
                h.Raw("</dl>");
                var events = reads.Events(run.Id, null, 200);
                Table(h, ["#", "Time", "Kind", "Data"], events.Items, (h, e) =>
                {
                    Cell(h, e.Id);
                    Cell(h, Time(e.TsMs));
                    Cell(h, e.Kind);
                    h.Raw("<td><code>").Text(Compact(e.DataJson)).Raw("</code></td>");
                }, "No events.");
            }
            h.El("h2", "Metadata");
            h.El("pre", Pretty(t.MetadataJson), "json");
        });
    }

    private static void Field(Html h, string label, string value, string? cls = null) =>
        h.El("dt", label).El("dd", value, cls);

    private static string Pretty(string json) =>
        JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, new JsonSerializerOptions { WriteIndented = true });

    private static string Compact(string json) => json.Length <= 400 ? json : json[..399] + "…";
}
