using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace TaskLeaseServer.Conformance.Agents;

/// <summary>
/// Issue 10, EXTENSIONS §6 against the real process (on whichever engine the run targets): the SSE
/// wire lines, and a client that keeps reconnecting with the last id it saw while several writers
/// append gets every event exactly once, in id order.
/// </summary>
public sealed class StreamFacts(DefaultServer fixture, ITestOutputHelper output) : IClassFixture<DefaultServer>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ARunStream_ReplaysThenFollowsLive_InSseLines_AsTheEventListShowsThem()
    {
        var api = fixture.Api;
        var pipeline = await api.CreatePipelineAsync();
        await api.CreateTaskAsync(pipeline.Id);
        var lease = await api.ClaimOneAsync(pipeline.WorkRole);
        Expect.Status(await api.AppendEventAsync(lease, "step", new JsonObject { ["n"] = 1 }), 201);
        var listed = await api.AllEventsAsync(lease.RunId);

        await using var stream = await SseStream.OpenOkAsync(fixture.Server.BaseAddress, $"/runs/{lease.RunId}/events/stream");
        stream.Response.Content.Headers.ContentType!.ToString().Should().Be("text/event-stream; charset=utf-8");
        stream.Response.Headers.CacheControl!.NoCache.Should().BeTrue();
        var replayed = await stream.TakeAsync(listed.Count, Patience);
        replayed.Select(e => e.Id).Should().Equal(listed.Select(e => e.Int("id")), "the replay is the run's event list");
        for (var i = 0; i < listed.Count; i++)
        {
            replayed[i].Kind.Should().Be(listed[i].Str("kind"));
            Expect.SameJson(replayed[i].Data, listed[i].GetRawText(), "data: is the Event JSON as GET /runs/{id}/events lists it");
        }

        var appended = await api.AppendEventAsync(lease, "step", new JsonObject { ["n"] = 2 });
        Expect.Status(appended, 201);
        var live = await stream.NextAsync(Patience);
        live.Should().NotBeNull("an event committed while the stream is open arrives live");
        var liveListed = (await api.AllEventsAsync(lease.RunId))[^1];
        live!.Lines.Should().Equal($"id: {liveListed.Int("id")}", "event: step", "data: " + live.Data);
        Expect.SameJson(live.Data, liveListed.GetRawText());
        live.Json.GetProperty("data").GetProperty("n").GetInt32().Should().Be(2);
    }

    [Fact]
    public async Task AClientReconnectingWithLastEventId_UnderConcurrentWriters_GetsEveryEventOnceInIdOrder()
    {
        const int Writers = 6;
        const int EventsEach = 60;
        var api = fixture.Api;
        var pipeline = await api.CreatePipelineAsync();
        var leases = new List<Lease>();
        for (var i = 0; i < Writers; i++)
        {
            await api.CreateTaskAsync(pipeline.Id);
            leases.Add(await api.ClaimOneAsync(pipeline.WorkRole, "writer-" + i));
        }

        var path = $"/events/stream?pipeline_id={pipeline.Id}&kinds=step";
        var received = new List<SseEvent>();
        var reconnects = 0;
        var writeErrors = new ConcurrentQueue<string>();
        var stream = await SseStream.OpenOkAsync(fixture.Server.BaseAddress, path);
        var writers = leases.Select((lease, w) => Task.Run(async () =>
        {
            for (var n = 0; n < EventsEach; n++)
            {
                var r = await api.AppendEventAsync(lease, "step", new JsonObject { ["w"] = w, ["n"] = n });
                if (r.Status != 201) writeErrors.Enqueue(r.ToString());
            }
        })).ToList();

        try
        {
            // Read a few events at a time and reconnect with the last id seen, while the writers append.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (received.Count < Writers * EventsEach && DateTime.UtcNow < deadline)
            {
                var want = Math.Min(1 + (reconnects * 7 % 23), Writers * EventsEach - received.Count);
                received.AddRange(await stream.TakeAsync(want, TimeSpan.FromSeconds(10)));
                if (received.Count >= Writers * EventsEach) break;
                await stream.DisposeAsync();
                reconnects++;
                stream = await SseStream.OpenOkAsync(fixture.Server.BaseAddress, path, received.Count > 0 ? received[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
            }
            await Task.WhenAll(writers);
            received.AddRange(await stream.TakeAsync(1, TimeSpan.FromMilliseconds(300))); // nothing more may come
        }
        finally
        {
            await stream.DisposeAsync();
        }

        writeErrors.Should().BeEmpty();
        var expected = new List<long>();
        foreach (var lease in leases) expected.AddRange((await api.AllEventsAsync(lease.RunId)).Where(e => e.Str("kind") == "step").Select(e => e.Int("id")));
        expected.Sort();
        output.WriteLine($"{received.Count} events over {reconnects + 1} connections");
        var got = received.Select(e => e.Id).ToList();
        output.WriteLine($"missing: [{string.Join(", ", expected.Except(got))}], unexpected or repeated: [{string.Join(", ", got.GroupBy(i => i).Where(g => g.Count() > 1 || !expected.Contains(g.Key)).Select(g => g.Key))}], last received {(got.Count > 0 ? got[^1] : 0)} of {expected[^1]}");
        reconnects.Should().BeGreaterThan(10, "the fact is about resuming");
        received.Select(e => e.Id).Should().Equal(expected, "every event after the last id seen arrives exactly once, in id order");
        received.Should().OnlyContain(e => e.Kind == "step");
    }

    [Fact]
    public async Task ATaskStream_HasEveryRunOfTheTask_InIdOrder()
    {
        var api = fixture.Api;
        var pipeline = await api.CreatePipelineAsync();
        var id = await api.CreateTaskAsync(pipeline.Id, new { retry_delay_ms = 0 });
        var first = await api.ClaimOneAsync(pipeline.WorkRole);
        Expect.Status(await api.AppendEventAsync(first, "step"), 201);
        Expect.Status(await api.FailAsync(first), 200);
        var second = await api.ClaimOneAsync(pipeline.WorkRole);
        second.RunId.Should().NotBe(first.RunId);
        Expect.Status(await api.AppendEventAsync(second, "step"), 201);

        // The runs' own lists (the task's page is held to the settled horizon, which may lag a just-answered write).
        var listed = (await api.AllEventsAsync(first.RunId)).Concat(await api.AllEventsAsync(second.RunId)).Select(e => e.Int("id")).Order().ToList();
        await using var stream = await SseStream.OpenOkAsync(fixture.Server.BaseAddress, $"/tasks/{id}/events/stream");
        var streamed = await stream.TakeAsync(listed.Count, Patience);
        streamed.Select(e => e.Id).Should().Equal(listed).And.BeInAscendingOrder();
        var page = Waiters.Items(await api.GetAsync($"/tasks/{id}/events?limit=1000")).EnumerateArray().Select(e => e.Int("id")).ToList();
        page.Should().Equal(listed.Take(page.Count), "the task's page is the same events, up to the horizon");
        streamed.Select(e => e.Json.GetProperty("run_id").GetString()).Should().Contain([first.RunId, second.RunId]);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("99999999999999999999999")]
    public async Task AMalformedLastEventId_Is400InvalidRequest_OnEveryStream(string lastEventId)
    {
        var api = fixture.Api;
        var pipeline = await api.CreatePipelineAsync();
        var id = await api.CreateTaskAsync(pipeline.Id);
        var lease = await api.ClaimOneAsync(pipeline.WorkRole);
        foreach (var path in new[] { $"/runs/{lease.RunId}/events/stream", $"/tasks/{id}/events/stream", "/events/stream" })
        {
            var header = await api.GetAsync(path, headers: new Dictionary<string, string> { ["Last-Event-ID"] = lastEventId });
            Expect.Error(header, 400, "invalid_request");
            header.Json.GetProperty("error").GetProperty("message").GetString().Should().Contain("Last-Event-ID");
            var query = await api.GetAsync(path + "?after=" + Uri.EscapeDataString(lastEventId));
            Expect.Error(query, 400, "invalid_request");
        }
    }

    [Fact]
    public async Task UnknownRunsAndTasks_Are404WithTheEnvelope_NeverAStream()
    {
        var api = fixture.Api;
        var unknown = Guid.NewGuid().ToString();
        Expect.Error(await api.GetAsync($"/runs/{unknown}/events/stream"), 404, "not_found");
        Expect.Error(await api.GetAsync($"/tasks/{unknown}/events/stream"), 404, "task_not_found");
        Expect.Error(await api.GetAsync($"/tasks/{unknown}/events"), 404, "task_not_found");
        Expect.Error(await api.GetAsync($"/tasks/{unknown}/runs"), 404, "task_not_found");
        Expect.Error(await api.GetAsync($"/runs/{unknown}"), 404, "not_found");
        Expect.Error(await api.GetAsync("/runs/not-a-uuid/events/stream"), 404, "not_found");
    }

    [Theory]
    [InlineData("""{"error":"x","retryable":"no"}""")]
    [InlineData("""{"error":"x","retryable":0}""")]
    [InlineData("""{"error":"x","failure_kind":5}""")]
    [InlineData("""{"error":"x","failure_kind":{}}""")]
    public async Task ABadFailField_Is400InvalidRequest_AndTheRunKeepsRunning(string body)
    {
        var api = fixture.Api;
        var pipeline = await api.CreatePipelineAsync();
        await api.CreateTaskAsync(pipeline.Id);
        var lease = await api.ClaimOneAsync(pipeline.WorkRole);
        Expect.Error(await api.PostAsync($"/runs/{lease.RunId}/fail", body, lease.Auth), 400, "invalid_request");
        var run = await api.GetAsync($"/runs/{lease.RunId}");
        Expect.Status(run, 200);
        run.Json.Str("status").Should().Be("running");
    }
}
