using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// GET /tasks filters, sorts and full text (EXTENSIONS §11), the same on every engine.
public abstract partial class StorageFacts
{
    private TaskSearch Find(IReadOnlyList<string>? statuses = null, string? role = null, string? assignee = null, string? text = null,
        long? priorityMin = null, long? priorityMax = null, long? createdAfter = null, long? createdBefore = null, long? updatedAfter = null,
        TaskSort sort = TaskSort.Created, TaskPosition? after = null) =>
        new(statuses ?? [], role, assignee, text, priorityMin, priorityMax, createdAfter, createdBefore, updatedAfter, sort, after, Now);

    private List<string> Listed(TaskSearch search, string? stage = null, string? pipelineId = null) =>
        Reads.Tasks(new TaskFilter(stage, pipelineId, null, 1000, search)).Items.Select(t => t.Id).ToList();

    [Fact]
    public async Task TheStatusFilter_FindsEachDerivedStatus_AndCommaListsTakeAnyOfThem()
    {
        var pid = await Pipeline();
        var parked = await Pipeline(ParkedPipelineJson);
        var leased = await OneTask(New(pid, priority: 10));
        var dead = await OneTask(New(pid, priority: 5, maxAttempts: 1));
        var ready = await OneTask(New(pid));
        var blocked = await OneTask(New(pid, dependsOn: [ready]));
        var paused = await OneTask(New(pid) with { Paused = true });
        var waiting = await OneTask(New(pid) with { NotBeforeMs = Now + 60_000 });
        var unroutable = await OneTask(New(parked));
        (await Claimed()).Task.Id.Should().Be(leased);
        var failing = await Claimed();
        failing.Task.Id.Should().Be(dead);
        await Run(u =>
        {
            var (lease, _) = LeaseHolder.Authorize(u, failing.Run.Id, HashOf(failing), () => 0);
            LeaseHolder.Fail(u, lease, HashOf(failing), new FailureReport("boom", null));
            return 0;
        });

        Listed(Find([TaskStatusRule.Leased])).Should().Equal(leased);
        Listed(Find([TaskStatusRule.DeadLettered])).Should().Equal(dead);
        Listed(Find([TaskStatusRule.Ready])).Should().Equal(ready);
        Listed(Find([TaskStatusRule.Blocked])).Should().Equal(blocked);
        Listed(Find([TaskStatusRule.Paused])).Should().Equal(paused);
        Listed(Find([TaskStatusRule.Waiting])).Should().Equal(waiting);
        Listed(Find([TaskStatusRule.Unroutable])).Should().Equal(unroutable);
        Listed(Find([TaskStatusRule.Canceled, TaskStatusRule.Done])).Should().BeEmpty();
        Listed(Find([TaskStatusRule.Ready, TaskStatusRule.Paused])).Should().BeEquivalentTo([ready, paused]);

        Advance(59_999);
        Listed(Find([TaskStatusRule.Leased])).Should().Equal(leased);
        Advance(1);
        Listed(Find([TaskStatusRule.Leased])).Should().BeEmpty("an expired lease is not held, reaped or not");
        Listed(Find([TaskStatusRule.Ready])).Should().BeEquivalentTo([ready, waiting, leased], "the not-before time has passed too");
    }

    [Fact]
    public async Task RoleAssigneePriorityAndTimeFilters_EachNarrowThePage()
    {
        var pid = await Pipeline();
        var low = await OneTask(New(pid, priority: 1));
        Advance(10);
        var mine = await OneTask(New(pid, priority: 5, assignee: "agent-7"));
        Advance(10);
        var high = await OneTask(New(pid, priority: 9));
        var claim = await Claimed(); // the highest: high
        await Transition(claim, "submit"); // high moves to review (reviewer), updated now
        var t0 = Now - 20;

        Listed(Find(role: Reviewer)).Should().Equal(high);
        Listed(Find(role: Worker)).Should().Equal(low, mine);
        Listed(Find(assignee: "agent-7")).Should().Equal(mine);
        Listed(Find(priorityMin: 5)).Should().Equal(mine, high);
        Listed(Find(priorityMin: 2, priorityMax: 8)).Should().Equal(mine);
        Listed(Find(createdAfter: t0)).Should().Equal(mine, high);
        Listed(Find(createdBefore: t0 + 10)).Should().Equal(low);
        Listed(Find(updatedAfter: Now - 1)).Should().Equal(high);
        Listed(Find(role: Worker), stage: "todo", pipelineId: pid).Should().Equal(low, mine);
        Listed(Find(role: "nobody")).Should().BeEmpty();
    }

    [Fact]
    public async Task EverySort_PagesThroughEveryTaskOnce_InItsOrder()
    {
        var pid = await Pipeline();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.AddRange(await Tasks(New(pid, "t" + i, priority: i % 3), New(pid, "u" + i, priority: i % 3)));
            Advance(5);
        }
        var rows = ids.Select(TaskRow).ToList();
        var expected = new Dictionary<TaskSort, List<string>>
        {
            [TaskSort.Created] = rows.OrderBy(t => t.CreatedAtMs).ThenBy(t => t.Id, StringComparer.Ordinal).Select(t => t.Id).ToList(),
            [TaskSort.CreatedDescending] = rows.OrderByDescending(t => t.CreatedAtMs).ThenByDescending(t => t.Id, StringComparer.Ordinal).Select(t => t.Id).ToList(),
            [TaskSort.Priority] = rows.OrderByDescending(t => t.Priority).ThenBy(t => t.CreatedAtMs).ThenBy(t => t.Id, StringComparer.Ordinal).Select(t => t.Id).ToList(),
            [TaskSort.Updated] = rows.OrderBy(t => t.UpdatedAtMs).ThenBy(t => t.Id, StringComparer.Ordinal).Select(t => t.Id).ToList(),
        };
        foreach (var (sort, order) in expected)
        {
            var seen = new List<string>();
            TaskPosition? after = null;
            while (true)
            {
                // A status filter forces the filtered path even for the default sort.
                var page = Reads.Tasks(new TaskFilter(null, pid, null, 3, Find([TaskStatusRule.Ready], sort: sort, after: after)));
                seen.AddRange(page.Items.Select(t => t.Id));
                if (!page.More) break;
                var last = page.Items[^1];
                after = sort switch
                {
                    TaskSort.Priority => new TaskPosition(last.Priority, last.CreatedAtMs, last.Id),
                    TaskSort.Updated => new TaskPosition(last.UpdatedAtMs, last.UpdatedAtMs, last.Id),
                    _ => new TaskPosition(last.CreatedAtMs, last.CreatedAtMs, last.Id),
                };
            }
            seen.Should().Equal(order, "sort {0}", sort);
        }
    }

    [Fact]
    public async Task FullText_MatchesEveryWordOfTitleOrDescription_FoldingCaseAndDiacritics()
    {
        var pid = await Pipeline();
        var creme = await OneTask(New(pid, "Crème brûlée recipe"));
        var login = await OneTask(new NewTask(pid, "Add login", "OAuth sign-in for the web app", 0, "{}", null, 0, null, [], null, null));
        await OneTask(New(pid, "Unrelated chore"));

        Listed(Find(text: "creme")).Should().Equal(creme);
        Listed(Find(text: "CRÈME Recipe")).Should().Equal(creme);
        Listed(Find(text: "oauth web")).Should().Equal(login);
        Listed(Find(text: "login recipe")).Should().BeEmpty("every word must match");
        Listed(Find(text: "\"(*")).Should().BeEmpty("query syntax is never read as syntax");
        Listed(Find(text: "oauth", role: Reviewer)).Should().BeEmpty();
    }
}
