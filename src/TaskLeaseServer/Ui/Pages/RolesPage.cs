using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>Every role with its stored control (paused, draining, why) and its live work: the figures of GET /ops/roles.</summary>
public static class RolesPage
{
    public static async Task<IResult> Render(HttpContext http, IReads reads, QueueFigures figures, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Claimable from the shared queue figures; the roles add their controls and live leases.
        var claimable = (await figures.Of(reads, now)).ToDictionary(q => q.Role, q => q.ClaimableCount, StringComparer.Ordinal);
        var roles = reads.Roles(now, claimable: false);
        var act = UiAccess.CanAct(http);
        string[] headers = act ? ["Role", "State", "Reason", "Claimable", "Live leases", "Actions"] : ["Role", "State", "Reason", "Claimable", "Live leases"];
        return Page(http, "Roles", "/ui/roles", h =>
            Table(h, headers, roles, (h, r) =>
            {
                h.Raw("<td>").Link("/ui/tasks?role=" + Uri.EscapeDataString(r.Role), r.Role).Raw("</td>");
                var state = r.Paused ? (r.DrainRequested ? "draining" : "paused") : "running";
                Cell(h, state, "state " + state);
                Cell(h, r.Reason ?? "—");
                Cell(h, claimable.GetValueOrDefault(r.Role));
                Cell(h, r.ActiveLeases);
                if (act)
                {
                    h.Raw("<td>");
                    Actions.ForRole(h, http, r.Role, r.Paused);
                    h.Raw("</td>");
                }
            }, "No pipeline names a role yet."));
    }
}
