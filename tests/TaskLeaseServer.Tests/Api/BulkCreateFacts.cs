using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>POST /tasks/bulk writes all its rows in one statement; each field must still land as sent.</summary>
public sealed class BulkCreateFacts
{
    [Fact]
    public async Task BulkCreate_StoresEveryFieldOfEveryItemInInputOrder()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var upstream = await server.Http.NewTask(pid);
        var body = $$$"""
            {"tasks":[
              {"pipeline_id":"{{{pid}}}","title":"ünï \"quoted\"","description":"line\nbreak","priority":-9223372036854775808,
               "metadata":{"k":[1,{"x":null}]},"retry_policy":{"max_attempts":3,"retry_delay_ms":250,"dead_letter_stage":"dead"}},
              {"pipeline_id":"{{{pid}}}","title":"b","description":"","priority":7,"dependencies":["{{{upstream}}}"],
               "assigned_agent_id":"agent-9","assigned_by":"lead"}]}
            """;
        var ids = (await server.Http.Post("/tasks/bulk", body)).Expect(HttpStatusCode.Created)
            .Body.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToList();

        ids.Should().HaveCount(2);
        var first = await server.Http.Task(ids[0]);
        first.GetProperty("title").GetString().Should().Be("ünï \"quoted\"");
        first.GetProperty("description").GetString().Should().Be("line\nbreak");
        first.GetProperty("priority").GetInt64().Should().Be(long.MinValue);
        first.GetProperty("metadata").GetRawText().Should().Be("""{"k":[1,{"x":null}]}""");
        first.GetProperty("max_attempts").GetInt64().Should().Be(3);
        first.GetProperty("retry_delay_ms").GetInt64().Should().Be(250);
        first.GetProperty("dead_letter_stage").GetString().Should().Be("dead");
        first.GetProperty("stage").GetString().Should().Be("todo");

        var second = await server.Http.Task(ids[1]);
        second.GetProperty("priority").GetInt64().Should().Be(7);
        second.GetProperty("max_attempts").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
        second.GetProperty("dependencies").EnumerateArray().Single().GetProperty("depends_on_task_id").GetString().Should().Be(upstream);
        second.GetProperty("assignments").EnumerateArray().Single().GetProperty("agent_id").GetString().Should().Be("agent-9");
    }

    [Fact]
    public async Task BulkCreate_ItemsWithUnfinishedUpstreamStayUnclaimableUntilItFinishes()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var upstream = await server.Http.NewTask(pid, "\"priority\":1");
        var items = string.Join(",", Enumerable.Repeat($$"""{"pipeline_id":"{{pid}}","title":"t","description":"d","priority":5,"dependencies":["{{upstream}}"]}""", 3));
        (await server.Http.Post("/tasks/bulk", $$"""{"tasks":[{{items}}]}""")).Expect(HttpStatusCode.Created);

        var lease = await server.Http.Claim("coder");
        lease!.TaskId.Should().Be(upstream, "the higher-priority items are blocked");
        (await server.Http.Claim("coder")).Should().BeNull();
        (await server.Http.Transition(lease, "submit")).Expect(HttpStatusCode.OK);
        var review = await server.Http.Claim("reviewer");
        (await server.Http.Transition(review!, "approve")).Expect(HttpStatusCode.OK);

        for (var i = 0; i < 3; i++) (await server.Http.Claim("coder")).Should().NotBeNull();
    }

    [Fact]
    public async Task BulkCreate_UnknownOrRepeatedDependencyCreatesNothing()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var upstream = await server.Http.NewTask(pid);
        var ok = $$"""{"pipeline_id":"{{pid}}","title":"a","description":""}""";

        (await server.Http.Post("/tasks/bulk", $$"""{"tasks":[{{ok}},{"pipeline_id":"{{pid}}","title":"b","description":"","dependencies":["missing"]}]}"""))
            .ExpectError(HttpStatusCode.NotFound, "task_not_found");
        (await server.Http.Post("/tasks/bulk", $$"""{"tasks":[{{ok}},{"pipeline_id":"{{pid}}","title":"b","description":"","dependencies":["{{upstream}}","{{upstream}}"]}]}"""))
            .ExpectError(HttpStatusCode.Conflict, "duplicate_dependency");

        (await server.Http.Get("/tasks")).Body.GetProperty("items").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task ABulkBodyOverTheLimit_Is413_UnlessMaxBodyBytesAllowsIt()
    {
        var item = "{\"pipeline_id\":\"PID\",\"title\":\"" + new string('x', 900) + "\",\"description\":\"d\"}";
        string Body(string pid) => "{\"tasks\":[" + string.Join(",", Enumerable.Repeat(item.Replace("PID", pid), 100)) + "]}";

        await using (var strict = new ServerFixture())
        {
            var pid = await strict.Http.Pipeline();
            (await strict.Http.Post("/tasks/bulk", Body(pid))).ExpectError(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        }
        await using var roomy = new ServerFixture { MaxBodyBytes = 200_000 };
        var id = await roomy.Http.Pipeline();
        (await roomy.Http.Post("/tasks/bulk", Body(id))).Expect(HttpStatusCode.Created);
    }
}
