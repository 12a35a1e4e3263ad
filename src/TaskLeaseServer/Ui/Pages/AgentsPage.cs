using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>The agent ids seen in runs, with their last run, live leases and last heartbeat; and the leases in flight.</summary>
public static class AgentsPage
{
    private const int PageSize = 50;
    private const int LeasesShown = 100;

    public static IResult Render(HttpContext http, IReads reads, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var after = Query.Value(http, "after") is { Length: > 0 } a ? a : null;
        var agent = Query.Value(http, "agent") is { Length: > 0 } g ? g : null;
        var agents = reads.Agents(after, PageSize, now);
        var leases = reads.Leases(agent, LeasesShown);
        return Page(http, agent is null ? "Agents" : "Agent " + agent, "/ui/agents", h =>
        {
            if (agent is null)
            {
                Table(h, ["Agent", "Live leases", "Last heartbeat", "Last run started"], agents.Items, (h, r) =>
                {
                    h.Raw("<td>").Link(Html.Url("/ui/agents", ("agent", r.AgentId)), r.AgentId).Raw("</td>");
                    Cell(h, r.LiveLeases.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    Cell(h, r.LastHeartbeatMs is { } hb ? Age(now, hb) + " ago" : "—");
                    Cell(h, r.LastRunStartedAtMs is { } s ? Age(now, s) + " ago" : "—");
                }, "No agent has claimed a task yet.");
                if (agents.More)
                    h.Raw("<p class=\"pager\">").Link(Html.Url("/ui/agents", ("after", agents.Items[^1].AgentId)), "Next page →").Raw("</p>");
            }
            else h.Raw("<p>").Link("/ui/agents", "← All agents").Raw("</p>");

            h.El("h2", agent is null ? "Leases in flight" : "Its leases");
            Table(h, ["Task", "Stage", "Agent", "Expires", "Last heartbeat", "Run"], leases.Items, (h, l) =>
            {
                h.Raw("<td>").Link("/ui/tasks/" + Html.Seg(l.TaskId), l.Title.Length == 0 ? l.TaskId : l.Title).Raw("</td>");
                Cell(h, l.Stage);
                h.Raw("<td>").Link(Html.Url("/ui/agents", ("agent", l.AgentId)), l.AgentId).Raw("</td>");
                Cell(h, l.ExpiresAtMs > now ? "in " + Duration(l.ExpiresAtMs - now) : "expired " + Age(now, l.ExpiresAtMs) + " ago",
                    l.ExpiresAtMs > now ? null : "status dead_lettered");
                Cell(h, Age(now, l.LastHeartbeatMs) + " ago");
                h.Raw("<td>").Link("/ui/runs/" + Html.Seg(l.RunId), "run").Raw("</td>");
            }, "No leases in flight.");
            if (leases.More) h.El("p", $"The {LeasesShown} expiring soonest are shown.", "note");
        });
    }
}
