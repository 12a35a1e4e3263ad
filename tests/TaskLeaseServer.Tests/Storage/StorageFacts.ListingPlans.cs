using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// TaskListPlan's read paths on a table past its thresholds: each one pages exactly like the sorted
// matches, across page boundaries, on every engine.
public abstract partial class StorageFacts
{
    private const int PlanPage = 3;

    [Fact]
    public async Task LargeListings_PageLikeTheSortedMatches_ThroughEveryReadPath()
    {
        var pid = await Pipeline();
        var other = await Pipeline();
        // Twice the narrow threshold and more: every other task has "needle" in its title and the lowest
        // priority (a walk of the priority order runs out of budget before it meets one), and two in four
        // are in pid. Units of 300 share a creation time, so ties fall to the id.
        var count = TaskListPlan.NarrowBelow * 2 + 400;
        for (var start = 0; start < count; start += 300)
        {
            await Tasks(Enumerable.Range(start, 300).Select(i => New(i % 4 < 2 ? pid : other,
                i % 2 == 0 ? $"needle {i}" : $"hay {i}", priority: i % 2 == 0 ? 0 : 1 + i % 9)).ToArray());
            Advance(1);
        }
        var all = AllTasks();
        all.Should().HaveCount(count);
        foreach (var id in all.Where(t => t.Priority == 5).Take(5).Select(t => t.Id).ToList())
            await Run(u => Operators.Cancel(u, id, new CancelCommand("test", null), "test"));
        var leased = (await Claimed()).Task.Id;
        Advance(1);
        all = AllTasks();
        var live = all.Where(t => t.CanceledAtMs is null && t.LeaseId is null).ToList();

        var shapes = new (string Name, TaskFilter Filter, Func<TaskRow, bool> Matches)[]
        {
            ("pipeline + stage, priority (walk)", Shape(pid, "todo", Find(sort: TaskSort.Priority)), t => t.PipelineId == pid),
            ("q, priority (walk out of budget, then the matches)", Shape(null, null, Find(text: "needle", sort: TaskSort.Priority)), Needle),
            ("q, -created (walk)", Shape(null, null, Find(text: "needle", sort: TaskSort.CreatedDescending)), Needle),
            ("q + pipeline, created (walk)", Shape(pid, null, Find(text: "needle")), t => Needle(t) && t.PipelineId == pid),
            ("role, updated (walk)", Shape(null, null, Find(role: Worker, sort: TaskSort.Updated)), _ => true),
            ("ready + pipeline, updated (walk)", Shape(other, null, Find([TaskStatusRule.Ready], sort: TaskSort.Updated)),
                t => t.PipelineId == other && live.Contains(t)),
            ("priority range, -created (walk)", Shape(null, null, Find(priorityMin: 3, priorityMax: 6, sort: TaskSort.CreatedDescending)),
                t => t.Priority is >= 3 and <= 6),
            ("created range, created (walk from the range)", Shape(null, null, Find(createdAfter: all[count / 2].CreatedAtMs)),
                t => t.CreatedAtMs > all[count / 2].CreatedAtMs),
            ("canceled, priority (few: sorted)", Shape(null, null, Find([TaskStatusRule.Canceled], sort: TaskSort.Priority)), t => t.CanceledAtMs is not null),
            ("leased, created (few: sorted)", Shape(null, null, Find([TaskStatusRule.Leased])), t => t.Id == leased),
            ("q, updated (walk)", Shape(null, null, Find(text: "hay", sort: TaskSort.Updated)), t => !Needle(t)),
        };
        foreach (var (name, filter, matches) in shapes)
        {
            var expected = Ordered(all.Where(matches), filter.Search!.Sort);
            expected.Should().NotBeEmpty(name);
            // The first pages, then from a cursor near the end to the last page.
            Paged(filter, null, 6).Should().Equal(expected.Take(6 * PlanPage), name);
            var deep = Math.Max(0, expected.Count - 2 * PlanPage - 1);
            var cursor = Position(filter.Search.Sort, all.Single(t => t.Id == expected[deep]));
            Paged(filter, cursor, 10).Should().Equal(expected.Skip(deep + 1), name + ", from a cursor near the end");
        }

        static bool Needle(TaskRow t) => t.Title.StartsWith("needle", StringComparison.Ordinal);
    }

    private static TaskFilter Shape(string? pipelineId, string? stage, TaskSearch search) => new(stage, pipelineId, null, PlanPage, search);

    private List<TaskRow> AllTasks()
    {
        var rows = new List<TaskRow>();
        (long, string)? after = null;
        while (true)
        {
            var page = Reads.Tasks(new TaskFilter(null, null, after, 1000));
            rows.AddRange(page.Items);
            if (!page.More) return rows;
            after = (page.Items[^1].CreatedAtMs, page.Items[^1].Id);
        }
    }

    private static List<string> Ordered(IEnumerable<TaskRow> rows, TaskSort sort) => (sort switch
    {
        TaskSort.CreatedDescending => rows.OrderByDescending(t => t.CreatedAtMs).ThenByDescending(t => t.Id, StringComparer.Ordinal),
        TaskSort.Priority => rows.OrderByDescending(t => t.Priority).ThenBy(t => t.CreatedAtMs).ThenBy(t => t.Id, StringComparer.Ordinal),
        TaskSort.Updated => rows.OrderBy(t => t.UpdatedAtMs).ThenBy(t => t.Id, StringComparer.Ordinal),
        _ => rows.OrderBy(t => t.CreatedAtMs).ThenBy(t => t.Id, StringComparer.Ordinal),
    }).Select(t => t.Id).ToList();

    private static TaskPosition Position(TaskSort sort, TaskRow t) => sort switch
    {
        TaskSort.Priority => new TaskPosition(t.Priority, t.CreatedAtMs, t.Id),
        TaskSort.Updated => new TaskPosition(t.UpdatedAtMs, t.UpdatedAtMs, t.Id),
        _ => new TaskPosition(t.CreatedAtMs, t.CreatedAtMs, t.Id),
    };

    /// <summary>Up to <paramref name="pages"/> pages from <paramref name="after"/>, each continuing from the last row of the one before.</summary>
    private List<string> Paged(TaskFilter filter, TaskPosition? after, int pages)
    {
        var seen = new List<string>();
        for (var i = 0; i < pages; i++)
        {
            var page = Reads.Tasks(filter with { Search = filter.Search! with { After = after } });
            page.Items.Count.Should().BeLessThanOrEqualTo(PlanPage);
            seen.AddRange(page.Items.Select(t => t.Id));
            if (!page.More) break;
            after = Position(filter.Search!.Sort, page.Items[^1]);
        }
        return seen;
    }
}
