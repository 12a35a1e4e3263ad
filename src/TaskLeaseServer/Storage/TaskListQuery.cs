using System.Text;
using Dapper;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage;

/// <summary>How GET /tasks orders a page (EXTENSIONS §11).</summary>
public enum TaskSort
{
    Created,
    CreatedDescending,
    Priority,
    Updated,
}

/// <summary>Where the previous page of a sort ended: its sort key and id (Priority uses both numbers).</summary>
public sealed record TaskPosition(long Key, long CreatedAtMs, string Id);

/// <summary>
/// The filters of EXTENSIONS §11 beyond stage and pipeline. Each given filter narrows the page;
/// <see cref="Statuses"/> are the derived statuses of §1, any of which matches.
/// </summary>
public sealed record TaskSearch(
    IReadOnlyList<string> Statuses, string? Role, string? AssignedAgentId, string? Text,
    long? PriorityMin, long? PriorityMax, long? CreatedAfterMs, long? CreatedBeforeMs, long? UpdatedAfterMs,
    TaskSort Sort, TaskPosition? After, long Now)
{
    /// <summary>Whether the contract's own listing (stage, pipeline, created order) answers it.</summary>
    public bool IsPlain => Statuses.Count == 0 && Role is null && AssignedAgentId is null && Text is null && PriorityMin is null &&
        PriorityMax is null && CreatedAfterMs is null && CreatedBeforeMs is null && UpdatedAfterMs is null && Sort == TaskSort.Created;
}

/// <summary>
/// Builds the filtered, sorted GET /tasks statements once for both engines; each engine passes the
/// few words that differ (<see cref="Dialect"/>) and how it matches full text. The status terms
/// restate Domain.TaskStatusRule in SQL, in its order (first match wins): each status is "its own
/// term and none of the earlier ones". Which statement answers a page is <see cref="TaskListPlan"/>'s choice.
/// </summary>
public static class TaskListQuery
{
    /// <param name="True">how a boolean column reads as a condition, e.g. "{0} = 1" or "{0}"</param>
    /// <param name="Greatest">the larger of two values, "max" or "GREATEST"</param>
    public sealed record Dialect(string True, string Greatest);

    /// <summary>A sort's ORDER BY, the index that holds that order, and its key columns as a <see cref="TaskPosition"/>.</summary>
    public sealed record SortOrder(string OrderBy, string Index, string Position);

    public static SortOrder Order(TaskSort sort) => sort switch
    {
        TaskSort.CreatedDescending => new("created_at_ms DESC, id DESC", "ix_tasks_created", "created_at_ms AS Key, created_at_ms AS CreatedAtMs, id AS Id"),
        TaskSort.Priority => new("priority DESC, created_at_ms, id", "ix_tasks_list_priority", "priority AS Key, created_at_ms AS CreatedAtMs, id AS Id"),
        TaskSort.Updated => new("updated_at_ms, id", "ix_tasks_list_updated", "updated_at_ms AS Key, updated_at_ms AS CreatedAtMs, id AS Id"),
        _ => new("created_at_ms, id", "ix_tasks_created", "created_at_ms AS Key, created_at_ms AS CreatedAtMs, id AS Id"),
    };

    /// <summary>
    /// The page's filters (without the cursor) as WHERE terms, and their arguments; the text match is
    /// left to the caller (<paramref name="withText"/> adds it as given).
    /// </summary>
    public static List<string> Filters(TaskFilter filter, TaskSearch search, Dialect dialect, DynamicParameters args, string? withText)
    {
        var where = new List<string>();
        args.Add("now", search.Now);
        if (filter.Stage is not null) { where.Add("stage = @stage"); args.Add("stage", filter.Stage); }
        if (filter.PipelineId is not null) { where.Add("pipeline_id = @pipelineId"); args.Add("pipelineId", filter.PipelineId); }
        if (search.Role is not null) { where.Add("role = @role"); args.Add("role", search.Role); }
        if (search.AssignedAgentId is not null) { where.Add("assignee = @assignee"); args.Add("assignee", search.AssignedAgentId); }
        if (search.PriorityMin is { } pmin) { where.Add("priority >= @pmin"); args.Add("pmin", pmin); }
        if (search.PriorityMax is { } pmax) { where.Add("priority <= @pmax"); args.Add("pmax", pmax); }
        if (search.CreatedAfterMs is { } ca) { where.Add("created_at_ms > @createdAfter"); args.Add("createdAfter", ca); }
        if (search.CreatedBeforeMs is { } cb) { where.Add("created_at_ms < @createdBefore"); args.Add("createdBefore", cb); }
        if (search.UpdatedAfterMs is { } ua) { where.Add("updated_at_ms > @updatedAfter"); args.Add("updatedAfter", ua); }
        if (withText is not null) where.Add(withText);
        if (search.Statuses.Count > 0) where.Add("(" + string.Join(" OR ", search.Statuses.Select(s => StatusTerm(s, dialect))) + ")");
        return where;
    }

    /// <summary>
    /// Where a walk of the sort's own index starts and ends: after the cursor <paramref name="after"/>, and
    /// inside the range filters on the sort key itself (so a created range is a seek, not a walk from the start).
    /// </summary>
    public static List<string> SortRange(TaskSearch search, TaskPosition? after, DynamicParameters args)
    {
        var where = new List<string>();
        if (after is not null) { args.Add("afterKey", after.Key); args.Add("afterCreated", after.CreatedAtMs); args.Add("afterId", after.Id); }
        switch (search.Sort)
        {
            case TaskSort.CreatedDescending:
                if (after is not null) where.Add("(created_at_ms < @afterCreated OR (created_at_ms = @afterCreated AND id < @afterId))");
                Created();
                break;
            case TaskSort.Priority:
                if (after is not null)
                    where.Add("(priority < @afterKey OR (priority = @afterKey AND (created_at_ms > @afterCreated OR (created_at_ms = @afterCreated AND id > @afterId))))");
                if (search.PriorityMin is { } pmin) { where.Add("priority >= @pmin"); args.Add("pmin", pmin); }
                if (search.PriorityMax is { } pmax) { where.Add("priority <= @pmax"); args.Add("pmax", pmax); }
                break;
            case TaskSort.Updated:
                if (after is not null) where.Add("(updated_at_ms > @afterKey OR (updated_at_ms = @afterKey AND id > @afterId))");
                if (search.UpdatedAfterMs is { } ua) { where.Add("updated_at_ms > @updatedAfter"); args.Add("updatedAfter", ua); }
                break;
            default:
                if (after is not null) where.Add("(created_at_ms > @afterCreated OR (created_at_ms = @afterCreated AND id > @afterId))");
                Created();
                break;
        }
        return where;

        void Created()
        {
            if (search.CreatedAfterMs is { } ca) { where.Add("created_at_ms > @createdAfter"); args.Add("createdAfter", ca); }
            if (search.CreatedBeforeMs is { } cb) { where.Add("created_at_ms < @createdBefore"); args.Add("createdBefore", cb); }
        }
    }

    /// <summary>
    /// One statement for the page: the filters, the cursor <paramref name="after"/> and the sort, reading
    /// <paramref name="source"/> (the table, or the table with an index named for SQLite).
    /// </summary>
    public static (string Sql, DynamicParameters Args) Build(TaskFilter filter, TaskSearch search, Dialect dialect, string? textMatch,
        TaskPosition? after, int take, string source = "tasks")
    {
        var args = new DynamicParameters();
        args.Add("take", take);
        var where = Filters(filter, search, dialect, args, textMatch);
        where.AddRange(SortRange(search, after, args));
        var sql = new StringBuilder($"SELECT {TaskRow.Select} FROM {source}");
        if (where.Count > 0) sql.Append(" WHERE ").Append(string.Join(" AND ", where.Distinct()));
        sql.Append(" ORDER BY ").Append(Order(search.Sort).OrderBy).Append(" LIMIT @take");
        return (sql.ToString(), args);
    }

    /// <summary>The SQL term of one status: its own condition and none of the earlier statuses'.</summary>
    private static string StatusTerm(string status, Dialect dialect)
    {
        var index = TaskStatusRule.All.ToList().IndexOf(status);
        var earlier = TaskStatusRule.All.Take(index).Select(s => $"NOT ({Own(s, dialect)})");
        return "(" + string.Join(" AND ", earlier.Append(Own(status, dialect))) + ")";
    }

    private static string Own(string status, Dialect dialect) => status switch
    {
        TaskStatusRule.Canceled => "canceled_at_ms IS NOT NULL",
        TaskStatusRule.DeadLettered => "dead_letter_reason IS NOT NULL",
        TaskStatusRule.Done => $"{string.Format(dialect.True, "terminal")} AND role IS NULL",
        TaskStatusRule.Leased => "lease_id IS NOT NULL AND EXISTS (SELECT 1 FROM leases l WHERE l.id = tasks.lease_id AND l.expires_at_ms > @now)",
        TaskStatusRule.Paused => string.Format(dialect.True, "paused"),
        TaskStatusRule.Blocked => "blocked_deps > 0",
        TaskStatusRule.Waiting => $"{dialect.Greatest}(next_eligible_at_ms, not_before_ms) > @now",
        TaskStatusRule.Unroutable => "role IS NULL",
        TaskStatusRule.Ready => "1 = 1",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "not a task status"),
    };
}
