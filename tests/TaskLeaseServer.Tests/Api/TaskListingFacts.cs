using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>GET /tasks filters and sorts on the wire (EXTENSIONS §11); their storage behaviour is in StorageFacts.Listing.</summary>
public sealed class TaskListingFacts
{
    [Theory]
    [InlineData("status=ready,finished", "unknown status \\\"finished\\\"")]
    [InlineData("status=", "unknown status")]
    [InlineData("sort=oldest", "unknown sort \\\"oldest\\\"")]
    [InlineData("q=%20", "q has no search term")]
    [InlineData("priority_min=high", "`priority_min` must be an integer")]
    [InlineData("created_after_ms=1.5", "`created_after_ms` must be an integer")]
    public async Task BadFilters_Are400_InvalidRequest_SayingWhatToFix(string query, string fragment)
    {
        await using var server = new ServerFixture();
        (await server.Http.Get("/tasks?" + query)).ExpectError(HttpStatusCode.BadRequest, "invalid_request").Text.Should().Contain(fragment);
    }

    [Fact]
    public async Task APriorityCursor_IsThePrioritysOwn_AndAnOtherCursorIs400()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add(await server.Http.NewTask(pid, $"\"priority\":{i % 2}"));
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await server.Http.Get("/tasks?sort=priority&limit=2" + (cursor is null ? "" : "&cursor=" + cursor))).Expect(HttpStatusCode.OK).Body;
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
            cursor?.Split(':').Length.Should().Be(3);
        } while (cursor is not null);
        seen.Should().BeEquivalentTo(ids).And.OnlyHaveUniqueItems();
        seen.Take(2).Should().BeEquivalentTo([ids[1], ids[3]], "priority 1 comes first");

        (await server.Http.Get("/tasks?sort=priority&cursor=abc")).ExpectError(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    [Fact]
    public async Task AFilterMatchingNothing_IsAnEmptyPage_AndTasksCarryTheirStatus()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var none = (await server.Http.Get("/tasks?status=canceled&role=coder&q=nothing")).Expect(HttpStatusCode.OK).Body;
        none.GetProperty("items").GetArrayLength().Should().Be(0);
        none.GetProperty("next_cursor").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
        var ready = (await server.Http.Get("/tasks?status=ready&q=t")).Expect(HttpStatusCode.OK).Body.GetProperty("items").EnumerateArray().Single();
        ready.GetProperty("status").GetString().Should().Be("ready");
    }

    [Fact]
    public async Task OnSqlite_EachFilteredListingUsesAnIndex()
    {
        await using var server = new ServerFixture();
        await server.Http.Pipeline();
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={server.DbPath};Mode=ReadOnly");
        db.Open();
        foreach (var (where, order, index) in new[]
        {
            ("role = 'coder'", "created_at_ms, id", "ix_tasks_list_role"),
            ("assignee = 'a'", "created_at_ms, id", "ix_tasks_list_assignee"),
            ("1 = 1", "priority DESC, created_at_ms, id", "ix_tasks_list_priority"),
            ("1 = 1", "updated_at_ms, id", "ix_tasks_list_updated"),
            ("1 = 1", "created_at_ms DESC, id DESC", "ix_tasks_created"),
            ("rowid IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH 'x')", "created_at_ms, id", "tasks_fts"),
            // The rare statuses, as TaskListQuery words them: a walk of only the flagged rows.
            ("((canceled_at_ms IS NOT NULL))", "created_at_ms, id", "ix_tasks_list_canceled"),
            ("((NOT (canceled_at_ms IS NOT NULL) AND dead_letter_reason IS NOT NULL))", "created_at_ms DESC, id DESC", "ix_tasks_list_dead_lettered"),
            ("((NOT (canceled_at_ms IS NOT NULL) AND NOT (dead_letter_reason IS NOT NULL) AND paused = 1))", "created_at_ms, id", "ix_tasks_list_paused"),
        })
        {
            using var command = db.CreateCommand();
            command.CommandText = $"EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE {where} ORDER BY {order} LIMIT 51";
            var plan = new List<string>();
            using (var reader = command.ExecuteReader()) while (reader.Read()) plan.Add(reader.GetString(3));
            string.Join(" | ", plan).Should().Contain(index, "{0} ORDER BY {1}", where, order);
            // Full text finds its matches through the FTS index and sorts only those.
            if (index != "tasks_fts")
                string.Join(" | ", plan).Should().NotContain("USE TEMP B-TREE FOR ORDER BY", "{0} ORDER BY {1} needs no sort", where, order);
        }
    }
    [Fact]
    public async Task OnSqlite_TheWalkOfASortsIndex_IsLazyAndTestsTheTextOnTheEntry()
    {
        await using var server = new ServerFixture();
        await server.Http.Pipeline();
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={server.DbPath};Mode=ReadOnly");
        db.Open();
        // The shape of Sqlite/Reads/TaskListReads.Walk: a co-routine over the covering sort index, each
        // entry joined by rowid, no sort of its own (so LIMIT stops the walk at the page's last row).
        using var command = db.CreateCommand();
        command.CommandText = """
            EXPLAIN QUERY PLAN SELECT tasks.id FROM (
              SELECT rowid AS r, rowid IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH 'x') AS hit
              FROM tasks INDEXED BY ix_tasks_list_priority ORDER BY priority DESC, created_at_ms, id LIMIT 10200) w
            CROSS JOIN tasks ON tasks.rowid = w.r WHERE w.hit AND stage = 'todo' LIMIT 51
            """;
        var plan = new List<string>();
        using (var reader = command.ExecuteReader()) while (reader.Read()) plan.Add(reader.GetString(3));
        var text = string.Join(" | ", plan);
        text.Should().Contain("CO-ROUTINE w").And.Contain("COVERING INDEX ix_tasks_list_priority").And.Contain("INTEGER PRIMARY KEY");
        text.Should().NotContain("TEMP B-TREE");
    }
}
