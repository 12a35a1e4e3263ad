using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage;

/// <summary>
/// A filter that has an index of its own: the index, the condition that counts its rows, and
/// whether the index is already in the page's order (it ends in created_at_ms, id).
/// </summary>
public sealed record NarrowIndex(string Index, string Count, bool InCreatedOrder, bool IsText = false);

/// <summary>What one engine runs for <see cref="TaskListPlan"/>; every call after the first sees one snapshot.</summary>
public interface ITaskPageReader
{
    /// <summary>How many rows <paramref name="narrow"/> holds, counting no further than <paramref name="upTo"/>.</summary>
    long Count(NarrowIndex narrow, TaskFilter filter, TaskSearch search, int upTo);

    /// <summary>The page by one statement, through <paramref name="narrow"/>'s index when given, else the planner's choice.</summary>
    List<TaskRow> Statement(TaskFilter filter, TaskSearch search, NarrowIndex? narrow, TaskPosition? after, int take);

    /// <summary>The matches among the first <paramref name="budget"/> entries of the sort's index after <paramref name="after"/>, in order, at most <paramref name="take"/>.</summary>
    List<TaskRow> Walk(TaskFilter filter, TaskSearch search, TaskPosition? after, int budget, int take);

    /// <summary>The position of the <paramref name="budget"/>-th entry of the sort's index after <paramref name="after"/>; null when there are fewer.</summary>
    TaskPosition? WalkEnd(TaskSearch search, TaskPosition? after, int budget);

    /// <summary>From here on every call sees the snapshot of the next statement (the walk and its continuation are one page).</summary>
    void BeginSnapshot();
}

/// <summary>
/// How a filtered GET /tasks page is read without an index per filter and sort (docs/architecture.md,
/// "Listing indexes"). A page is either the matches of a narrow filter's own index, sorted (cost: the
/// matches), or a walk of the sort's own index testing each entry (cost: the page divided by the
/// share of tasks that match). A count of the narrow index, stopped at <see cref="NarrowBelow"/>,
/// picks: few matches are sorted; many are walked, and when the narrow index is itself in the
/// page's order (created) it is walked directly. The walk stops after <see cref="Budget"/> entries
/// (matches that cluster at the far end of the sort, e.g. every match has the lowest priority), and
/// the page continues from there through the narrow index, so no page costs more than both bounds.
/// Every path is the same SQL order and filters, so the answer (order, ties, cursors) is the same.
/// </summary>
public static class TaskListPlan
{
    /// <summary>Fewer matches than this are sorted: about a millisecond of row reads.</summary>
    public const int NarrowBelow = 1_000;

    /// <summary>Entries of the sort's index a walk reads at most: 200 pages' worth, at most 20,000.</summary>
    public static int Budget(int take) => Math.Min(200 * take, 20_000);

    public static List<TaskRow> Read(ITaskPageReader reader, TaskFilter filter, TaskSearch search, Func<TaskFilter, TaskSearch, NarrowIndex?> narrowOf)
    {
        var take = filter.Limit + 1;
        var narrow = narrowOf(filter, search);
        if (narrow is not null)
        {
            var created = search.Sort is TaskSort.Created or TaskSort.CreatedDescending;
            if ((created && narrow.InCreatedOrder) || reader.Count(narrow, filter, search, NarrowBelow) < NarrowBelow)
                return reader.Statement(filter, search, narrow, search.After, take);
        }
        reader.BeginSnapshot();
        var budget = Budget(take);
        var rows = reader.Walk(filter, search, search.After, budget, take);
        if (rows.Count >= take) return rows;
        var end = reader.WalkEnd(search, search.After, budget);
        if (end is null) return rows;
        rows.AddRange(reader.Statement(filter, search, narrow, end, take - rows.Count));
        return rows;
    }

    /// <summary>
    /// The filter with an index of its own, most selective kind first; index names are the same on
    /// both engines. <paramref name="textCount"/> is the engine's full-text count condition.
    /// </summary>
    public static NarrowIndex? NarrowOf(TaskFilter filter, TaskSearch search, string textCount, TaskListQuery.Dialect dialect)
    {
        if (search.Text is not null) return new NarrowIndex("", textCount, InCreatedOrder: false, IsText: true);
        if (search.AssignedAgentId is not null) return new NarrowIndex("ix_tasks_list_assignee", "assignee = @assignee", true);
        if (search.Statuses is [var status] && StatusIndex(status, dialect) is { } rare) return rare;
        return (filter.PipelineId, filter.Stage) switch
        {
            (not null, not null) => new NarrowIndex("ix_tasks_pipeline", "pipeline_id = @pipelineId AND stage = @stage", true),
            (null, not null) => new NarrowIndex("ix_tasks_stage", "stage = @stage", true),
            _ when search.Role is not null => new NarrowIndex("ix_tasks_list_role", "role = @role", true),
            (not null, null) => new NarrowIndex("ix_tasks_pipeline", "pipeline_id = @pipelineId", false),
            _ => null,
        };
    }

    /// <summary>The partial index holding a status's flagged rows (a superset of the status: the count is an estimate).</summary>
    private static NarrowIndex? StatusIndex(string status, TaskListQuery.Dialect dialect) => status switch
    {
        TaskStatusRule.Canceled => new("ix_tasks_list_canceled", "canceled_at_ms IS NOT NULL", true),
        TaskStatusRule.DeadLettered => new("ix_tasks_list_dead_lettered", "dead_letter_reason IS NOT NULL", true),
        TaskStatusRule.Paused => new("ix_tasks_list_paused", string.Format(dialect.True, "paused"), true),
        TaskStatusRule.Blocked => new("ix_tasks_ui_blocked", "blocked_deps > 0", true),
        TaskStatusRule.Leased => new("ix_tasks_leased_stage", "lease_id IS NOT NULL", false),
        _ => null,
    };
}
