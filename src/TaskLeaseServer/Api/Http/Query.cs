using System.Globalization;
using System.Net;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// Query parameters as the contract reads them (CONTRACT §1.4): the query is split on '&amp;', a pair
/// without '=' is ignored, names are compared literally (case-sensitive, not decoded), the first
/// occurrence wins, and values are percent-decoded with '+' as a space (W21).
/// </summary>
public static class Query
{
    public static string? Value(HttpContext context, string name) =>
        Pairs(context).TryGetValue(name, out var value) ? value : null;

    /// <summary>A page size: not a number means the default; outside 1..1000 is 400 invalid_limit.</summary>
    public static int Limit(HttpContext context, int fallback)
    {
        var text = Value(context, "limit");
        if (text is null || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit))
            return fallback;
        if (limit is < 1 or > 1000) throw ApiError.InvalidLimit("limit must be between 1 and 1000");
        return (int)limit;
    }

    public static long Long(HttpContext context, string name, long fallback) =>
        long.TryParse(Value(context, name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    private static Dictionary<string, string> Pairs(HttpContext context)
    {
        if (context.Items[typeof(Query)] is Dictionary<string, string> cached) return cached;
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        var query = context.Request.QueryString.Value;
        if (!string.IsNullOrEmpty(query))
        {
            foreach (var pair in query.TrimStart('?').Split('&'))
            {
                var eq = pair.IndexOf('=');
                if (eq < 0) continue;
                pairs.TryAdd(pair[..eq], WebUtility.UrlDecode(pair[(eq + 1)..]));
            }
        }
        context.Items[typeof(Query)] = pairs;
        return pairs;
    }
}
