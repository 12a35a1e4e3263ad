using System.Globalization;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.Http;

/// <summary>Query parameters (CONTRACT §1.4, §5): first occurrence wins, values percent-decoded.</summary>
public static class Query
{
    public static string? Value(HttpContext context, string name) =>
        context.Request.Query.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

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
}
