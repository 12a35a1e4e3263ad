using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>
/// A pipeline's state machine as inline SVG: stages in columns by their distance from the initial
/// stage, one arrow per transition labelled with its trigger, the task count in each box.
/// </summary>
public static class StateGraph
{
    private const int BoxW = 150, BoxH = 54, ColGap = 70, RowGap = 28, Pad = 20;

    /// <summary>Counting a stage's tasks stops here (the pipeline page stays fast at any size) and says "or more".</summary>
    public const long CountCap = 10_000;

    public static string CountText(IReadOnlyDictionary<string, long>? counts, string stage) =>
        counts is null ? "" : counts.GetValueOrDefault(stage) is var n && n >= CountCap
            ? CountCap.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + "+"
            : n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    /// <param name="counts">tasks per stage, up to <see cref="CountCap"/> each</param>
    /// <param name="withCounts">false on a task's page: the boxes show roles only</param>
    public static void Draw(Html h, PipelineDefinition definition, IReadOnlyDictionary<string, long>? counts, string? current, bool withCounts = true)
    {
        var depth = Depths(definition);
        var columns = definition.Stages.GroupBy(s => depth[s.Name]).OrderBy(g => g.Key).ToList();
        var at = new Dictionary<string, (int X, int Y)>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            var row = 0;
            foreach (var stage in column) at[stage.Name] = (Pad + column.Key * (BoxW + ColGap), Pad + row++ * (BoxH + RowGap));
        }
        var width = at.Values.Max(p => p.X) + BoxW + Pad;
        var backEdges = definition.Transitions.Any(t => at.TryGetValue(t.From, out var a) && at.TryGetValue(t.To, out var b) && b.X <= a.X);
        var height = at.Values.Max(p => p.Y) + BoxH + Pad + (backEdges ? 50 : 0); // room for the curve and label of a way back
        h.Raw($"<svg class=\"fsm\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"state machine\">");
        h.Raw("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"arrowhead\"/></marker></defs>");
        foreach (var t in definition.Transitions)
        {
            if (!at.TryGetValue(t.From, out var a) || !at.TryGetValue(t.To, out var b)) continue;
            var back = b.X <= a.X;
            var (x1, y1) = back ? (a.X + BoxW / 2, a.Y + BoxH) : (a.X + BoxW, a.Y + BoxH / 2);
            var (x2, y2) = back ? (b.X + BoxW / 2, b.Y + BoxH) : (b.X, b.Y + BoxH / 2);
            var bend = back ? $"Q {(x1 + x2) / 2} {Math.Max(y1, y2) + 40} {x2} {y2}" : $"L {x2} {y2}";
            h.Raw($"<path class=\"edge\" d=\"M {x1} {y1} {bend}\" marker-end=\"url(#arrow)\"/>");
            h.Raw($"<text class=\"trigger\" x=\"{(x1 + x2) / 2}\" y=\"{(back ? Math.Max(y1, y2) + 30 : (y1 + y2) / 2 - 6)}\" text-anchor=\"middle\">").Text(t.Trigger).Raw("</text>");
        }
        foreach (var stage in definition.Stages)
        {
            var (x, y) = at[stage.Name];
            var cls = stage.Terminal ? "stage terminal" : stage.AgentRole is null ? "stage unroutable" : "stage";
            if (stage.Name == current) cls += " current";
            h.Raw($"<g class=\"{cls}\"><rect x=\"{x}\" y=\"{y}\" width=\"{BoxW}\" height=\"{BoxH}\" rx=\"8\"/>");
            h.Raw($"<text x=\"{x + 10}\" y=\"{y + 22}\" class=\"name\">").Text(Clip(stage.Name)).Raw("</text>");
            h.Raw($"<text x=\"{x + 10}\" y=\"{y + 42}\" class=\"sub\">").Text(Clip((stage.AgentRole ?? (stage.Terminal ? "terminal" : "no role")) + (withCounts ? " · " + CountText(counts, stage.Name) : ""))).Raw("</text></g>");
        }
        h.Raw("</svg>");
    }

    private static string Clip(string s) => s.Length <= 20 ? s : s[..19] + "…";

    /// <summary>Breadth-first distance from the initial stage; stages it never reaches go one column past the last.</summary>
    private static Dictionary<string, int> Depths(PipelineDefinition d)
    {
        var depth = new Dictionary<string, int>(StringComparer.Ordinal) { [d.Initial] = 0 };
        var queue = new Queue<string>([d.Initial]);
        while (queue.TryDequeue(out var s))
            foreach (var t in d.From(s))
                if (depth.TryAdd(t.To, depth[s] + 1)) queue.Enqueue(t.To);
        var last = depth.Count == 0 ? 0 : depth.Values.Max() + 1;
        foreach (var s in d.Stages) depth.TryAdd(s.Name, last);
        return depth;
    }
}
