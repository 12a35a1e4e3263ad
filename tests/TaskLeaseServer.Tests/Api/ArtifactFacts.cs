using System.Net;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>POST and GET /artifacts (CONTRACT §8.23-8.24; §12 items 114-117).</summary>
public sealed class ArtifactFacts
{
    private static async Task<string> Create(HttpClient http, string body) =>
        (await http.Post("/artifacts", body)).Expect(HttpStatusCode.Created).Str("id");

    private static async Task<List<JsonElement>> Items(HttpClient http, string query) =>
        (await http.Get("/artifacts" + query)).Expect(HttpStatusCode.OK).Body.GetProperty("items").EnumerateArray().ToList();

    [Fact] // §12.114
    public async Task Create_AnswersAnId_AndAMissingUriIsInvalidJson()
    {
        await using var server = new ServerFixture();
        var id = await Create(server.Http, """{"kind":"log","uri":"file:///tmp/log.txt"}""");
        id.Should().MatchRegex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

        (await server.Http.Post("/artifacts", """{"kind":"log"}""")).ExpectError(HttpStatusCode.BadRequest, "invalid_json");
        (await server.Http.Post("/artifacts", """{"uri":"u"}""")).ExpectError(HttpStatusCode.BadRequest, "invalid_json");
        (await server.Http.Post("/artifacts", """{"kind":"log","uri":"u","size_bytes":"big"}""")).ExpectError(HttpStatusCode.BadRequest, "invalid_json");
        (await server.Http.Post("/artifacts", "nope")).ExpectError(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Theory] // CONTRACT §1.3
    [InlineData(null)]
    [InlineData("text/plain")]
    public async Task Create_AcceptsAnyContentType(string? contentType)
    {
        await using var server = new ServerFixture();
        (await server.Http.SendWithContentType(HttpMethod.Post, "/artifacts", """{"kind":"k","uri":"u"}""", contentType))
            .Should().Be(HttpStatusCode.Created);
    }

    [Fact] // §12.115, W20
    public async Task UnknownTaskOrRun_IsNotFound_AndCreatesNothing()
    {
        await using var server = new ServerFixture();
        (await server.Http.Post("/artifacts", """{"kind":"log","uri":"u","task_id":"no-such-task"}"""))
            .ExpectError(HttpStatusCode.NotFound, "task_not_found");
        (await server.Http.Post("/artifacts", """{"kind":"log","uri":"u","run_id":"no-such-run"}"""))
            .ExpectError(HttpStatusCode.NotFound, "not_found");
        (await Items(server.Http, "")).Should().BeEmpty();
    }

    [Fact] // §12.116
    public async Task ListByTask_ShowsEveryField_WithNullsAndAnEmptyMetaByDefault()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid, "\"priority\":1");
        var other = await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder"))!;
        lease.TaskId.Should().Be(task);
        await Create(server.Http, $$"""{"kind":"log","uri":"u1","task_id":"{{task}}"}""");
        await Create(server.Http, $$$"""{"kind":"diff","uri":"u2","task_id":"{{{lease.TaskId}}}","run_id":"{{{lease.RunId}}}","sha256":"abc","size_bytes":42,"meta":{"lines":[1,2]}}""");
        await Create(server.Http, $$"""{"kind":"other","uri":"u3","task_id":"{{other}}"}""");

        var page = (await server.Http.Get($"/artifacts?task_id={task}")).Expect(HttpStatusCode.OK).Body;
        page.GetProperty("next_cursor").ValueKind.Should().Be(JsonValueKind.Null);
        var items = page.GetProperty("items").EnumerateArray().ToList();
        items.Should().HaveCount(2);
        var plain = items.Single(a => a.GetProperty("kind").GetString() == "log");
        plain.EnumerateObject().Select(p => p.Name).Should().Equal(
            "id", "task_id", "run_id", "created_at_ms", "kind", "uri", "sha256", "size_bytes", "meta");
        plain.GetProperty("sha256").ValueKind.Should().Be(JsonValueKind.Null);
        plain.GetProperty("size_bytes").ValueKind.Should().Be(JsonValueKind.Null);
        plain.GetProperty("run_id").ValueKind.Should().Be(JsonValueKind.Null);
        plain.GetProperty("meta").GetRawText().Should().Be("{}");
        plain.GetProperty("created_at_ms").GetInt64().Should().Be(server.Now);

        var full = items.Single(a => a.GetProperty("kind").GetString() == "diff");
        full.GetProperty("sha256").GetString().Should().Be("abc");
        full.GetProperty("size_bytes").GetInt64().Should().Be(42);
        full.GetProperty("meta").GetRawText().Should().Be("""{"lines":[1,2]}""");
        full.GetProperty("run_id").GetString().Should().Be(lease.RunId);

        (await Items(server.Http, $"?run_id={lease.RunId}")).Should().ContainSingle();
        (await Items(server.Http, $"?task_id={task}&run_id={lease.RunId}")).Should().ContainSingle();
        (await Items(server.Http, $"?task_id={other}&run_id={lease.RunId}")).Should().BeEmpty();
        (await Items(server.Http, "")).Should().HaveCount(3);
    }

    [Fact] // §12.117
    public async Task ALimitOfOne_ReturnsOneItemAndACursor_WhenTwoExist()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid);
        await Create(server.Http, $$"""{"kind":"a","uri":"u","task_id":"{{task}}"}""");
        await Create(server.Http, $$"""{"kind":"b","uri":"u","task_id":"{{task}}"}""");

        var page = (await server.Http.Get($"/artifacts?task_id={task}&limit=1")).Expect(HttpStatusCode.OK).Body;
        page.GetProperty("items").GetArrayLength().Should().Be(1);
        page.GetProperty("next_cursor").GetString().Should().MatchRegex("^[0-9]+:.+$");
    }

    [Fact] // W1
    public async Task WalkingPages_VisitsEveryArtifactExactlyOnce_InCreationThenIdOrder()
    {
        await using var server = new ServerFixture();
        var created = new List<(long At, string Id)>();
        for (var i = 0; i < 7; i++)
        {
            if (i % 3 == 0) server.Advance(1); // several artifacts share a millisecond
            created.Add((server.Now, await Create(server.Http, """{"kind":"k","uri":"u"}""")));
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await server.Http.Get("/artifacts?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))))
                .Expect(HttpStatusCode.OK).Body;
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
        } while (cursor is not null);

        seen.Should().Equal(created.OrderBy(c => c.At).ThenBy(c => c.Id, StringComparer.Ordinal).Select(c => c.Id));
    }

    [Fact]
    public async Task BadLimitOrCursor_AreRejected_AndAnUnparsableLimitMeansTheDefault()
    {
        await using var server = new ServerFixture();
        (await server.Http.Get("/artifacts?limit=0")).ExpectError(HttpStatusCode.BadRequest, "invalid_limit");
        (await server.Http.Get("/artifacts?limit=1001")).ExpectError(HttpStatusCode.BadRequest, "invalid_limit");
        (await server.Http.Get("/artifacts?cursor=garbage")).ExpectError(HttpStatusCode.BadRequest, "invalid_cursor");
        (await server.Http.Get("/artifacts?cursor=x:1")).ExpectError(HttpStatusCode.BadRequest, "invalid_cursor");
        for (var i = 0; i < 101; i++) await Create(server.Http, """{"kind":"k","uri":"u"}""");
        (await Items(server.Http, "?limit=abc")).Should().HaveCount(100);
    }
}
