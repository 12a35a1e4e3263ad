using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Ui;

/// <summary>GET /tasks/{id}/inspect's verdict (Lifecycle.Operators.Inspect, the same code) for the pages, and its panel.</summary>
public static class Inspections
{
    /// <summary>Every task's verdict in one unit (one writer turn for a whole page); a task deleted meanwhile has none.</summary>
    public static async Task<Dictionary<string, InspectResult>> Of(IWriteExecutor executor, IEnumerable<string> taskIds)
    {
        var ids = taskIds.Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0) return new(StringComparer.Ordinal);
        return await executor.Run(unit =>
        {
            var results = new Dictionary<string, InspectResult>(StringComparer.Ordinal);
            foreach (var id in ids)
            {
                try { results[id] = Operators.Inspect(unit, id); }
                catch (DomainError e) when (e.Fault == Fault.NoSuchTask) { }
            }
            return results;
        });
    }

    /// <summary>"Why is this not being claimed": the verdict, each reason with its evidence, the next action.</summary>
    public static void Panel(Html h, InspectResult result)
    {
        h.Raw("<section class=\"inspect\" aria-labelledby=\"inspect-h\"><h2 id=\"inspect-h\">Why is this not being claimed?</h2>");
        h.Raw(result.Claimable ? "<p class=\"verdict ok\">" : "<p class=\"verdict stop\">")
         .Text(result.Claimable ? "Claimable now." : "Not claimable.").Raw(" Status: ").El("strong", result.Status).Raw("</p>");
        if (result.Reasons.Count > 0)
        {
            h.Raw("<ul class=\"reasons\">");
            foreach (var reason in result.Reasons)
            {
                h.Raw("<li>").El("code", reason.Code, "chip").Raw(" ").Text(reason.Message);
                if (reason.Evidence.Count > 0)
                {
                    h.Raw("<dl class=\"evidence\">");
                    foreach (var (name, value) in reason.Evidence)
                        h.El("dt", name).El("dd", Evidence(value) + (name.EndsWith("_ms", StringComparison.Ordinal) && value is long ms ? $" ({Layout.Time(ms)})" : ""), "mono");
                    h.Raw("</dl>");
                }
                h.Raw("</li>");
            }
            h.Raw("</ul>");
        }
        h.Raw("<p class=\"next\"><span class=\"label\">Next action</span> ").Text(result.NextAction).Raw("</p></section>");
    }

    public static string Evidence(object? value) => value switch
    {
        null => "—",
        long n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        string s => s,
        IEnumerable<string> list => string.Join(", ", list),
        _ => value.ToString() ?? "",
    };
}
