using System.Globalization;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

/// <summary>
/// GET /tasks with the filters and sorts of EXTENSIONS §11. Without any of them the page is the
/// contract's listing, byte for byte. Each sort has its own cursor, naming the last item's sort key
/// and id, so the next page starts strictly after it in that order.
/// </summary>
internal static class TaskListing
{
    public static readonly string[] Parameters =
    [
        "stage", "pipeline_id", "status", "role", "assigned_agent_id", "q", "priority_min", "priority_max",
        "created_after_ms", "created_before_ms", "updated_after_ms", "sort", "limit", "cursor",
    ];

    public static readonly string[] Sorts = ["created", "-created", "priority", "updated"];

    public static Reply List(HttpContext http, IReads reads, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var (filter, sort) = Parse(http, now, Query.Limit(http, 50));
        var page = reads.Tasks(filter);
        return Paging.Reply(page, t => t.ToWire(now), t => CursorOf(sort, t), WireJson.Wire.PageTaskView);
    }

    /// <summary>The request's filters, sort and cursor as the storage's filter; the dashboard's Tasks page reads the same (Ui/Pages/TasksPage).</summary>
    public static (TaskFilter Filter, TaskSort Sort) Parse(HttpContext http, long now, int limit)
    {
        var sort = ParseSort(Query.Value(http, "sort"));
        var cursor = Query.Value(http, "cursor");
        var search = new TaskSearch(Statuses(Query.Value(http, "status")), Query.Value(http, "role"), Query.Value(http, "assigned_agent_id"),
            Text(Query.Value(http, "q")), Integer(http, "priority_min"), Integer(http, "priority_max"), Integer(http, "created_after_ms"),
            Integer(http, "created_before_ms"), Integer(http, "updated_after_ms"), sort, Position(sort, cursor), now);
        var after = search.IsPlain ? Cursor.ParseTimeAndId(cursor) : null;
        return (new TaskFilter(Query.Value(http, "stage"), Query.Value(http, "pipeline_id"), after, limit, search), sort);
    }

    private static TaskSort ParseSort(string? text) => text switch
    {
        null or "created" => TaskSort.Created,
        "-created" => TaskSort.CreatedDescending,
        "priority" => TaskSort.Priority,
        "updated" => TaskSort.Updated,
        _ => throw new ApiError(400, "invalid_request", $"unknown sort \"{text}\": use one of {string.Join(", ", Sorts)}"),
    };

    private static IReadOnlyList<string> Statuses(string? text)
    {
        if (text is null) return [];
        var statuses = new List<string>();
        foreach (var status in text.Split(','))
        {
            if (!TaskStatusRule.All.Contains(status, StringComparer.Ordinal))
                throw new ApiError(400, "invalid_request", $"unknown status \"{status}\": use one or more of {string.Join(", ", TaskStatusRule.All)}, comma-separated");
            if (!statuses.Contains(status)) statuses.Add(status);
        }
        return statuses;
    }

    private static string? Text(string? q)
    {
        if (q is null) return null;
        if (q.Trim().Length == 0) throw new ApiError(400, "invalid_request", "q has no search term; send at least one word or leave q out");
        return q;
    }

    private static long? Integer(HttpContext http, string name)
    {
        var text = Query.Value(http, name);
        if (text is null) return null;
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ApiError(400, "invalid_request", $"`{name}` must be an integer (got \"{text}\")");
    }

    public static string CursorOf(TaskSort sort, TaskRow t) => sort switch
    {
        TaskSort.Priority => t.Priority.ToString(CultureInfo.InvariantCulture) + ":" + Cursor.Of(t.CreatedAtMs, t.Id),
        TaskSort.Updated => Cursor.Of(t.UpdatedAtMs, t.Id),
        _ => Cursor.Of(t.CreatedAtMs, t.Id),
    };

    /// <summary>The cursor as a position in the sort's order: "&lt;ms&gt;:&lt;id&gt;", or "&lt;priority&gt;:&lt;created_at_ms&gt;:&lt;id&gt;" for priority.</summary>
    private static TaskPosition? Position(TaskSort sort, string? cursor)
    {
        if (cursor is null) return null;
        if (sort != TaskSort.Priority)
        {
            var (ms, id) = Cursor.ParseTimeAndId(cursor)!.Value;
            return new TaskPosition(ms, ms, id);
        }
        var colon = cursor.IndexOf(':');
        if (colon <= 0 || !long.TryParse(cursor.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var priority))
            throw ApiError.InvalidCursor("with sort=priority the cursor is \"<priority>:<created_at_ms>:<id>\" as returned in next_cursor");
        var (created, rest) = Cursor.ParseTimeAndId(cursor[(colon + 1)..])!.Value;
        return new TaskPosition(priority, created, rest);
    }
}
