using System.Net;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>Server-Sent Events streams in process (EXTENSIONS §6): the wire bytes, replay, live events, keep-alive.</summary>
public sealed class StreamFacts
{
    /// <summary>An open stream, read a line at a time.</summary>
    private sealed class Sse : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;

        private Sse(HttpResponseMessage response, StreamReader reader)
        {
            _response = response;
            _reader = reader;
        }

        public HttpResponseMessage Response => _response;

        public static async Task<Sse> Open(HttpClient http, string path, string? lastEventId = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (lastEventId is not null) request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            return new Sse(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        }

        /// <summary>The next frame's lines (up to the blank line).</summary>
        public async Task<List<string>> Frame()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var lines = new List<string>();
            while (true)
            {
                var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
                if (line.Length == 0 && lines.Count > 0) return lines;
                if (line.Length > 0) lines.Add(line);
            }
        }

        /// <summary>The next event frame's id, kind and data, skipping comments.</summary>
        public async Task<(long Id, string Kind, JsonElement Data)> Event()
        {
            while (true)
            {
                var frame = await Frame();
                if (frame.All(l => l.StartsWith(':'))) continue;
                frame.Should().HaveCount(3);
                frame[0].Should().StartWith("id: ");
                frame[1].Should().StartWith("event: ");
                frame[2].Should().StartWith("data: ");
                return (long.Parse(frame[0]["id: ".Length..]), frame[1]["event: ".Length..],
                    JsonDocument.Parse(frame[2]["data: ".Length..]).RootElement.Clone());
            }
        }

        public async ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _response.Dispose();
            await Task.CompletedTask;
        }
    }

    private static async Task<(string Pid, string TaskId, Lease Lease)> Running(ServerFixture server)
    {
        var pid = await server.Http.Pipeline();
        var id = await server.Http.NewTask(pid);
        return (pid, id, (await server.Http.Claim("coder"))!);
    }

    private static async Task<long> Append(ServerFixture server, Lease lease, string kind, string data = "{}") =>
        (await server.Http.Post($"/runs/{lease.RunId}/events", $$"""{"kind":"{{kind}}","data":{{data}}}""", lease.Token))
            .Expect(HttpStatusCode.Created).Long("id");

    [Fact]
    public async Task ARunStream_ReplaysThenStreams_WithIdEventAndDataLines()
    {
        await using var server = new ServerFixture();
        var (_, _, lease) = await Running(server);
        var first = await Append(server, lease, "progress", """{"pct":10}""");

        await using var sse = await Sse.Open(server.Http, $"/runs/{lease.RunId}/events/stream");
        sse.Response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        sse.Response.Headers.CacheControl!.NoCache.Should().BeTrue();
        var frame = await sse.Frame();
        frame.Should().Equal($"id: {first}", "event: progress",
            $$$"""data: {"id":{{{first}}},"run_id":"{{{lease.RunId}}}","ts_ms":{{{server.Now}}},"kind":"progress","data":{"pct":10}}""");

        var second = await Append(server, lease, "progress", """{"pct":90}""");
        var live = await sse.Event();
        live.Id.Should().Be(second);
        live.Data.GetProperty("data").GetProperty("pct").GetInt32().Should().Be(90);
    }

    [Fact]
    public async Task AReconnectWithLastEventId_GetsOnlyLaterEvents_OnceEach()
    {
        await using var server = new ServerFixture();
        var (_, _, lease) = await Running(server);
        var ids = new List<long>();
        for (var i = 0; i < 5; i++) ids.Add(await Append(server, lease, "step", $$"""{"i":{{i}}}"""));

        await using (var sse = await Sse.Open(server.Http, $"/runs/{lease.RunId}/events/stream", lastEventId: ids[1].ToString()))
        {
            (await sse.Event()).Id.Should().Be(ids[2]);
            (await sse.Event()).Id.Should().Be(ids[3]);
            (await sse.Event()).Id.Should().Be(ids[4]);
            var next = await Append(server, lease, "step");
            (await sse.Event()).Id.Should().Be(next);
        }
        await using var byQuery = await Sse.Open(server.Http, $"/runs/{lease.RunId}/events/stream?after={ids[3]}");
        (await byQuery.Event()).Id.Should().Be(ids[4]);
    }

    [Fact]
    public async Task AnIdleStream_SendsAKeepAliveComment_Every15sOfTheServersClock()
    {
        await using var server = new ServerFixture();
        var (_, _, lease) = await Running(server);
        await using var sse = await Sse.Open(server.Http, $"/runs/{lease.RunId}/events/stream");
        var frame = sse.Frame();
        // Real time stays far below 15 s: only the server's clock can bring the comment. The stream
        // arms its wait once it has replayed, so the clock moves until it has.
        for (var i = 0; i < 100 && !frame.IsCompleted; i++)
        {
            server.Advance(15_000);
            await Task.WhenAny(frame, Task.Delay(50));
        }

        (await frame).Should().Equal(": keepalive");
    }

    [Fact]
    public async Task TheTaskAndServerStreams_CarryEveryRunOfTheTask_AndFilter()
    {
        await using var server = new ServerFixture();
        var (pid, id, lease) = await Running(server);
        await using var task = await Sse.Open(server.Http, $"/tasks/{id}/events/stream");
        await using var transitions = await Sse.Open(server.Http, $"/events/stream?pipeline_id={pid}&kinds=transition");
        await using var otherRole = await Sse.Open(server.Http, "/events/stream?role=reviewer");

        await Append(server, lease, "note");
        (await server.Http.Post($"/runs/{lease.RunId}/transition", """{"trigger":"submit"}""", lease.Token)).Expect(HttpStatusCode.OK);
        var review = (await server.Http.Claim("reviewer", "r1"))!;
        await Append(server, review, "looking");

        (await task.Event()).Kind.Should().Be("note");
        (await task.Event()).Kind.Should().Be("transition");
        var third = await task.Event();
        third.Kind.Should().Be("looking");
        third.Data.GetProperty("run_id").GetString().Should().Be(review.RunId);
        (await transitions.Event()).Kind.Should().Be("transition");
        (await otherRole.Event()).Kind.Should().Be("looking");
    }

    [Fact]
    public async Task TheTaskEventsList_PagesEveryRunsEvents_InIdOrder()
    {
        await using var server = new ServerFixture();
        var (_, id, lease) = await Running(server);
        var a = await Append(server, lease, "a");
        (await server.Http.Post($"/leases/{lease.LeaseId}/release", null, lease.Token)).Expect(HttpStatusCode.OK);
        var again = (await server.Http.Claim("coder"))!;
        var b = await Append(server, again, "b");

        var page = (await server.Http.Get($"/tasks/{id}/events?limit=2")).Expect(HttpStatusCode.OK).Body;
        page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).Should().Equal("a", "lease_released");
        var rest = (await server.Http.Get($"/tasks/{id}/events?cursor={page.GetProperty("next_cursor").GetString()}")).Body;
        rest.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).Should().Equal(b);
        rest.GetProperty("next_cursor").ValueKind.Should().Be(JsonValueKind.Null);
        a.Should().BeLessThan(b);
    }

    [Theory]
    [InlineData("/runs/nope/events/stream", HttpStatusCode.NotFound, "not_found")]
    [InlineData("/tasks/nope/events/stream", HttpStatusCode.NotFound, "task_not_found")]
    [InlineData("/tasks/nope/events", HttpStatusCode.NotFound, "task_not_found")]
    [InlineData("/events/stream?after=abc", HttpStatusCode.BadRequest, "invalid_request")]
    [InlineData("/events/stream?after=-5", HttpStatusCode.BadRequest, "invalid_request")]
    public async Task BadStreamRequests_GetTheEnvelope(string path, HttpStatusCode status, string code)
    {
        await using var server = new ServerFixture();
        (await server.Http.Get(path)).ExpectError(status, code);
    }

    [Fact]
    public async Task AMalformedLastEventId_Is400()
    {
        await using var server = new ServerFixture();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/events/stream");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", "12x");
        using var response = await server.Http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("invalid_request");
    }
}
