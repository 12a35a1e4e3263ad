using System.Globalization;
using TaskLeaseServer.Storage;
using static TaskLeaseServer.Ui.Layout;

namespace TaskLeaseServer.Ui.Pages;

/// <summary>
/// A run's spans as an SVG waterfall: one row per span under its parent, its bar placed by start
/// and end on the run's time axis (SVG geometry, not inline style, which the policy refuses),
/// then each span's attributes as text.
/// </summary>
public static class Waterfall
{
    private const int LabelW = 280, BarW = 720, RowH = 24, Top = 26, Indent = 14;

    public static void Draw(Html h, IReadOnlyList<SpanRow> spans)
    {
        var timed = spans.Where(s => s.StartTimeUnixNano is not null).ToList();
        if (timed.Count == 0)
        {
            h.El("p", "No spans for this run. Export OTLP traces to POST /v1/traces with the nulltickets.run_id attribute.", "empty");
            return;
        }
        var ordered = Tree(timed);
        var start = timed.Min(s => s.StartTimeUnixNano!.Value);
        var end = Math.Max(timed.Max(s => s.EndTimeUnixNano ?? s.StartTimeUnixNano!.Value), start + 1);
        double X(long nano) => LabelW + (double)(nano - start) / (end - start) * BarW;
        var width = LabelW + BarW + 90;
        var height = Top + ordered.Count * RowH + 8;
        h.Raw("<figure class=\"graph\">");
        h.Raw($"<svg class=\"waterfall\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"span waterfall\">");
        for (var i = 0; i <= 4; i++)
        {
            var x = F(LabelW + BarW * i / 4.0);
            h.Raw($"<line class=\"tick\" x1=\"{x}\" y1=\"{Top - 6}\" x2=\"{x}\" y2=\"{height}\"/>");
            h.Raw($"<text class=\"axis\" x=\"{x}\" y=\"14\" text-anchor=\"{(i == 0 ? "start" : i == 4 ? "end" : "middle")}\">")
             .Text(Nanos((end - start) * i / 4)).Raw("</text>");
        }
        for (var row = 0; row < ordered.Count; row++)
        {
            var (span, depth) = ordered[row];
            var y = Top + row * RowH;
            var s = span.StartTimeUnixNano!.Value;
            var e = span.EndTimeUnixNano ?? s;
            var x1 = X(s);
            var w = Math.Max(2, X(e) - x1);
            var cls = Status(span.StatusCode) == "error" ? "bar error" : "bar";
            h.Raw($"<g class=\"span\"><title>").Text($"{span.Name}: {Nanos(e - s)}").Raw("</title>");
            h.Raw($"<text class=\"label\" x=\"{4 + depth * Indent}\" y=\"{y + 16}\">").Text(Clip(span.Name, 34 - depth * 2)).Raw("</text>");
            h.Raw($"<rect class=\"{cls}\" x=\"{F(x1)}\" y=\"{y + 5}\" width=\"{F(w)}\" height=\"{RowH - 10}\" rx=\"3\"/>");
            h.Raw($"<text class=\"dur\" x=\"{F(x1 + w + 6)}\" y=\"{y + 16}\">").Text(Nanos(e - s)).Raw("</text></g>");
        }
        h.Raw("</svg><figcaption>Each span's bar from its start to its end on the run's time axis; children under their parent.</figcaption></figure>");

        h.Raw("<div class=\"spans\">");
        foreach (var (span, depth) in ordered)
        {
            var s = span.StartTimeUnixNano!.Value;
            var e = span.EndTimeUnixNano ?? s;
            h.Raw("<details class=\"span\"><summary>").Text(new string('·', depth) + (depth > 0 ? " " : "") + span.Name)
             .Raw(" <span class=\"note\">").Text($"{Nanos(e - s)} · {Kind(span.Kind)}{(Status(span.StatusCode) is { } st ? " · " + st : "")}")
             .Raw("</span></summary><dl class=\"evidence\">");
            h.El("dt", "span_id").El("dd", span.SpanId, "mono").El("dt", "trace_id").El("dd", span.TraceId, "mono");
            if (span.StatusMessage is not null) h.El("dt", "status message").El("dd", span.StatusMessage);
            foreach (var (key, value) in EventText.Attributes(span.AttributesJson)) h.El("dt", key).El("dd", value, "mono");
            h.Raw("</dl></details>");
        }
        h.Raw("</div>");
    }

    /// <summary>Parents before their children, siblings by start; a span whose parent is not here is a root.</summary>
    private static List<(SpanRow Span, int Depth)> Tree(List<SpanRow> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var children = spans.Where(s => s.ParentSpanId is { Length: > 0 } p && ids.Contains(p) && p != s.SpanId)
            .GroupBy(s => s.ParentSpanId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(s => s.StartTimeUnixNano).ToList(), StringComparer.Ordinal);
        var result = new List<(SpanRow, int)>();
        var seen = new HashSet<long>();
        void Walk(SpanRow span, int depth)
        {
            if (!seen.Add(span.Id)) return; // a cycle of parent ids in hostile input ends here
            result.Add((span, depth));
            foreach (var child in children.GetValueOrDefault(span.SpanId) ?? []) Walk(child, Math.Min(depth + 1, 8));
        }
        foreach (var root in spans.Where(s => !(s.ParentSpanId is { Length: > 0 } p && ids.Contains(p) && p != s.SpanId)).OrderBy(s => s.StartTimeUnixNano))
            Walk(root, 0);
        foreach (var rest in spans.Where(s => !seen.Contains(s.Id)).OrderBy(s => s.StartTimeUnixNano)) Walk(rest, 0);
        return result;
    }

    /// <summary>A span length: µs below a millisecond, ms below a second, seconds with two decimals below a minute.</summary>
    public static string Nanos(long ns) => ns switch
    {
        <= 0 => "0",
        < 1_000_000 => (ns / 1000).ToString(CultureInfo.InvariantCulture) + " µs",
        < 1_000_000_000 => (ns / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + " ms",
        < 60_000_000_000 => (ns / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " s",
        _ => Duration(ns / 1_000_000),
    };

    // OTLP/JSON sends enums as numbers or as names; both read the same here.
    private static string Kind(string? kind) => kind switch
    {
        null or "0" or "SPAN_KIND_UNSPECIFIED" => "span",
        "1" or "SPAN_KIND_INTERNAL" => "internal",
        "2" or "SPAN_KIND_SERVER" => "server",
        "3" or "SPAN_KIND_CLIENT" => "client",
        "4" or "SPAN_KIND_PRODUCER" => "producer",
        "5" or "SPAN_KIND_CONSUMER" => "consumer",
        _ => kind,
    };

    private static string? Status(string? code) => code switch
    {
        null or "0" or "STATUS_CODE_UNSET" => null,
        "1" or "STATUS_CODE_OK" => "ok",
        "2" or "STATUS_CODE_ERROR" => "error",
        _ => code,
    };

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..(Math.Max(4, max) - 1)] + "…";

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
