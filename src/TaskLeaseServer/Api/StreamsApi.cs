using System.Globalization;
using System.Text;
using System.Text.Json;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Background;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

/// <summary>
/// Live event streams as Server-Sent Events (EXTENSIONS §6). Each stream replays the settled
/// events after the client's last id from the database, then takes live ones from its
/// <see cref="EventFeed"/> subscription, skipping any id it has sent: every event once, in id order.
/// </summary>
internal static class StreamsApi
{
    /// <summary>The comment line's period: proxies commonly close a connection idle for 30-60 s.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private const int ReplayPage = 500;

    public static void MapStreams(this IEndpointRouteBuilder app)
    {
        app.MapGet("/runs/{id}/events/stream", RunStream).ForAgents().ChecksItsOwnToken().Query("after").Streams().Errors(400, 401, 404);
        app.MapGet("/tasks/{id}/events/stream", TaskStream).ForAgents().Query("after").Streams().Errors(400, 404);
        app.MapGet("/events/stream", AllStream).ForAgents().Query("after", "pipeline_id", "role", "kinds").Streams().Errors(400);
    }

    private static Task RunStream(string id, HttpContext http, IReads reads, ApiTokenAuth auth, EventFeed feed, TimeProvider time,
        IHostApplicationLifetime lifetime)
    {
        RunsApi.CheckEventReader(http, id, reads, auth);
        if (reads.Run(id) is null) throw ApiError.NotFound($"no run has id \"{id}\"");
        return Serve(http, new EventFilter(RunId: id), reads, feed, time, lifetime);
    }

    private static Task TaskStream(string id, HttpContext http, IReads reads, EventFeed feed, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        if (!reads.TaskExists(id)) throw new DomainError(Fault.TaskNotFound, $"no task has id \"{id}\"");
        return Serve(http, new EventFilter(TaskId: id), reads, feed, time, lifetime);
    }

    private static Task AllStream(HttpContext http, IReads reads, EventFeed feed, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        var kinds = Query.Value(http, "kinds")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var filter = new EventFilter(PipelineId: Query.Value(http, "pipeline_id"), Role: Query.Value(http, "role"),
            Kinds: kinds is { Length: > 0 } ? kinds : null);
        return Serve(http, filter, reads, feed, time, lifetime);
    }

    /// <summary>Last-Event-ID (what a reconnecting EventSource sends) wins over ?after=; default 0: from the beginning.</summary>
    private static long After(HttpContext http)
    {
        var header = http.Request.Headers["Last-Event-ID"].ToString();
        var (text, name) = header.Length > 0 ? (header, "Last-Event-ID") : (Query.Value(http, "after"), "after");
        if (text is null) return 0;
        return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new ApiError(400, "invalid_request", $"{name} must be an event id (a non-negative integer) as sent in an `id:` line; got \"{text}\"");
    }

    private static async Task Serve(HttpContext http, EventFilter filter, IReads reads, EventFeed feed, TimeProvider time,
        IHostApplicationLifetime lifetime)
    {
        var last = After(http);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var token = cancel.Token;
        var sse = await SseWriter.Start(http);
        try
        {
            while (!token.IsCancellationRequested)
            {
                using var subscription = await feed.Subscribe(filter, token);
                last = await Replay(sse, reads, filter, last, subscription.Start, token);
                last = await Live(sse, subscription, last, time, token);
                // The subscription fell behind and was cut off: replay from the database and subscribe again.
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client went away, or the server is stopping: the stream just ends.
        }
    }

    private static async Task<long> Replay(SseWriter sse, IReads reads, EventFilter filter, long last, long upTo, CancellationToken cancel)
    {
        while (true)
        {
            var page = reads.EventsFor(filter, last, upTo, ReplayPage);
            if (page.Items.Count > 0)
            {
                await sse.Write(Frames(page.Items), cancel);
                last = page.Items[^1].Id;
            }
            if (!page.More) return last;
        }
    }

    private static async Task<long> Live(SseWriter sse, EventFeed.Subscription subscription, long last, TimeProvider time,
        CancellationToken cancel)
    {
        var events = subscription.Events;
        var batch = new List<EventRow>();
        Task<bool>? waiting = null;
        while (true)
        {
            bool open;
            try
            {
                // One wait on the channel at a time (it has one reader): a keep-alive does not start another.
                waiting ??= events.WaitToReadAsync(cancel).AsTask();
                open = await waiting.WaitAsync(KeepAlive, time, cancel);
                waiting = null;
            }
            catch (TimeoutException)
            {
                await sse.Comment("keepalive", cancel);
                continue;
            }
            if (!open) return last;
            batch.Clear();
            while (events.TryRead(out var e))
            {
                if (e.Id > last) batch.Add(e);
            }
            if (batch.Count == 0) continue;
            await sse.Write(Frames(batch), cancel);
            last = batch[^1].Id;
        }
    }

    private static string Frames(IEnumerable<EventRow> events)
    {
        var text = new StringBuilder();
        foreach (var e in events)
        {
            text.Append(SseWriter.Frame(e.Id, e.Kind, JsonSerializer.Serialize(e.ToWire(), WireJson.Wire.RunEvent)));
        }
        return text.ToString();
    }
}
