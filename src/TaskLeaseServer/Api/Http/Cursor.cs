using System.Globalization;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// Pagination cursors (CONTRACT §5). A cursor names the last item returned; the next page starts
/// strictly after it, so no item is skipped at a page boundary (W1).
/// </summary>
public static class Cursor
{
    public static string Of(long createdAtMs, string id) =>
        createdAtMs.ToString(CultureInfo.InvariantCulture) + ":" + id;

    public static string Of(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Parses <c>"&lt;ms&gt;:&lt;id&gt;"</c>, split at the first colon.</summary>
    public static (long CreatedAtMs, string Id)? ParseTimeAndId(string? text)
    {
        if (text is null) return null;
        var colon = text.IndexOf(':');
        if (colon <= 0 || colon == text.Length - 1 ||
            !long.TryParse(text.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
        {
            throw ApiError.InvalidCursor("cursor must be \"<created_at_ms>:<id>\" as returned in next_cursor");
        }
        return (ms, text[(colon + 1)..]);
    }

    /// <summary>Parses an id cursor; <paramref name="what"/> names the id in the error message.</summary>
    public static long? ParseId(string? text, string what = "an event id")
    {
        if (text is null) return null;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
        {
            throw ApiError.InvalidCursor($"cursor must be {what} as returned in next_cursor");
        }
        return id;
    }
}
