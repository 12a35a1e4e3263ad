using System.Net;
using System.Text;

namespace TaskLeaseServer.Ui;

/// <summary>
/// The one way a page writes HTML: every value goes through <see cref="Text"/> (encoded), tags and
/// attribute names are constants of the page. Agent output (titles, event data, errors, span
/// attributes) is hostile input and is only ever text.
/// </summary>
public sealed class Html
{
    private readonly StringBuilder _sb = new();

    /// <summary>Encoded text.</summary>
    public Html Text(string? value)
    {
        _sb.Append(WebUtility.HtmlEncode(value ?? ""));
        return this;
    }

    public Html Text(long value) => Raw(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Markup written by the page itself, never data.</summary>
    public Html Raw(string markup)
    {
        _sb.Append(markup);
        return this;
    }

    /// <summary>An element with encoded text content: <c>&lt;tag class="…"&gt;text&lt;/tag&gt;</c>.</summary>
    public Html El(string tag, string? text, string? cls = null)
    {
        _sb.Append('<').Append(tag);
        if (cls is not null) _sb.Append(" class=\"").Append(cls).Append('"');
        _sb.Append('>');
        Text(text);
        _sb.Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>A link whose href is built from the page's own path and encoded values.</summary>
    public Html Link(string href, string? text, string? cls = null)
    {
        _sb.Append("<a href=\"").Append(WebUtility.HtmlEncode(href)).Append('"');
        if (cls is not null) _sb.Append(" class=\"").Append(cls).Append('"');
        _sb.Append('>');
        Text(text);
        _sb.Append("</a>");
        return this;
    }

    /// <summary>An encoded attribute value (for data-* attributes read by the page script).</summary>
    public Html Attr(string name, string? value)
    {
        _sb.Append(' ').Append(name).Append("=\"").Append(WebUtility.HtmlEncode(value ?? "")).Append('"');
        return this;
    }

    public static string Url(string path, params (string Name, string? Value)[] query)
    {
        var parts = query.Where(q => !string.IsNullOrEmpty(q.Value)).Select(q => q.Name + "=" + Uri.EscapeDataString(q.Value!)).ToList();
        return parts.Count == 0 ? path : path + "?" + string.Join('&', parts);
    }

    public static string Seg(string value) => Uri.EscapeDataString(value);

    public override string ToString() => _sb.ToString();
}
