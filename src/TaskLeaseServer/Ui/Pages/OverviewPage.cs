using TaskLeaseServer.Background;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>Per role: what is waiting, how old, who is working, and what is in trouble; the same figures as /ops/queue and /ops/roles.</summary>
public static class OverviewPage
{
    private const long NearExpiryMs = 60_000;
    private const long StuckMs = 300_000;

    public static async Task<IResult> Render(HttpContext http, IReads reads, EventFeed feed, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var queue = reads.Queue(now, now - StuckMs, now + NearExpiryMs);
        // The claimable figures come from the queue; the roles add only their controls and live leases.
        var controls = reads.Roles(now, claimable: false).ToDictionary(r => r.Role, StringComparer.Ordinal);
        var health = reads.Health(now);
        var after = await feed.Horizon(http.RequestAborted);
        return Page(http, "Overview", "/ui", h =>
        {
            h.Raw("<section class=\"cards\" aria-label=\"Totals\">");
            Card(h, "Tasks", health.Stages.Sum(s => s.Count));
            Card(h, "Live leases", health.ActiveLeases);
            Card(h, "Claimable", queue.Sum(r => r.ClaimableCount));
            Card(h, "Stuck", queue.Sum(r => r.StuckCount));
            Card(h, "Failed runs", queue.Sum(r => r.FailedCount));
            h.Raw("</section>");
            h.El("h2", "Roles");
            Table(h, ["Role", "State", "Claimable", "Oldest claimable", "Live leases", "Near expiry", "Stuck", "Failed runs"], queue, (h, r) =>
            {
                controls.TryGetValue(r.Role, out var control);
                h.Raw("<td>").Link("/ui/tasks?role=" + Uri.EscapeDataString(r.Role), r.Role).Raw("</td>");
                Cell(h, control is null ? "running" : control.Paused ? (control.DrainRequested ? "draining" : "paused") : "running",
                    control is { Paused: true } ? "state paused" : "state running");
                Cell(h, r.ClaimableCount);
                Cell(h, Age(now, r.OldestClaimableCreatedAtMs));
                Cell(h, control?.ActiveLeases ?? 0);
                Cell(h, r.NearExpiryLeases);
                Cell(h, r.StuckCount);
                Cell(h, r.FailedCount);
            }, "No pipeline names a role yet: create a pipeline with POST /pipelines.");
            h.El("h2", "Tasks by stage");
            Table(h, ["Stage", "Tasks"], health.Stages, (h, s) =>
            {
                h.Raw("<td>").Link("/ui/tasks?stage=" + Uri.EscapeDataString(s.Stage), s.Stage).Raw("</td>");
                Cell(h, s.Count);
            }, "No tasks yet.");
            Live(h, "overview", now, after);
        });
    }

    private static void Card(Html h, string label, long value) =>
        h.Raw("<div class=\"card\"><span class=\"label\">").Text(label).Raw("</span><span class=\"value\">").Text(value).Raw("</span></div>");
}
