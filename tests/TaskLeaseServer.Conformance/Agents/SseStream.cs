using System.Text;
using System.Text.Json;

namespace TaskLeaseServer.Conformance.Agents;

/// <summary>One SSE event as its lines arrived: <c>id:</c>, <c>event:</c>, <c>data:</c>, and every raw line of the frame.</summary>
public sealed record SseEvent(long Id, string Kind, string Data, IReadOnlyList<string> Lines)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement.Clone();
}

/// <summary>
/// A Server-Sent Events stream read line by line as a browser's EventSource would (after HTTP's
/// chunking is undone), so facts can judge the wire lines themselves. Disposing closes the
/// connection, which is what a client that goes away does.
/// </summary>
public sealed class SseStream : IAsyncDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 1000 }) { Timeout = Timeout.InfiniteTimeSpan };

    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private Task<string?>? _pendingLine;

    private SseStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public HttpResponseMessage Response => _response;

    /// <summary>Comment lines (<c>: ...</c>) seen so far.</summary>
    public List<string> Comments { get; } = [];

    /// <summary>Opens <paramref name="path"/>; a non-200 answer is returned as its status and body, with no stream.</summary>
    public static async Task<(SseStream? Stream, int Status, string Body)> OpenAsync(Uri server, string path, string? lastEventId = null,
        string? authorization = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server, path));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null) request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var headers = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token);
        if ((int)response.StatusCode != 200)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            return (null, (int)response.StatusCode, body);
        }
        var stream = await response.Content.ReadAsStreamAsync();
        return (new SseStream(response, new StreamReader(stream, new UTF8Encoding(false))), 200, "");
    }

    public static async Task<SseStream> OpenOkAsync(Uri server, string path, string? lastEventId = null, string? authorization = null)
    {
        var (stream, status, body) = await OpenAsync(server, path, lastEventId, authorization);
        return stream ?? throw new Xunit.Sdk.XunitException($"GET {path} → {status} {body}, expected an event stream");
    }

    /// <summary>The next event, or null when none arrives within <paramref name="within"/> (or the stream ends).</summary>
    public async Task<SseEvent?> NextAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var lines = new List<string>();
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            _pendingLine ??= _reader.ReadLineAsync();
            var done = await Task.WhenAny(_pendingLine, Task.Delay(left));
            if (done != _pendingLine) return null; // the read stays pending for the next call
            var line = await _pendingLine;
            _pendingLine = null;
            if (line is null) return null;
            if (line.StartsWith(':'))
            {
                Comments.Add(line);
                continue;
            }
            if (line.Length > 0)
            {
                lines.Add(line);
                continue;
            }
            if (lines.Count == 0) continue;
            return Parse(lines);
        }
    }

    /// <summary>Reads until <paramref name="count"/> events have come or <paramref name="within"/> passes.</summary>
    public async Task<List<SseEvent>> TakeAsync(int count, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var events = new List<SseEvent>();
        while (events.Count < count && DateTime.UtcNow < deadline)
        {
            var next = await NextAsync(deadline - DateTime.UtcNow);
            if (next is null) break;
            events.Add(next);
        }
        return events;
    }

    private static SseEvent Parse(List<string> lines)
    {
        string Field(string name) =>
            lines.SingleOrDefault(l => l.StartsWith(name + ": ", StringComparison.Ordinal))?[(name.Length + 2)..]
            ?? throw new Xunit.Sdk.XunitException($"an SSE frame without exactly one `{name}: ` line: {string.Join(" | ", lines)}");
        return new SseEvent(long.Parse(Field("id"), System.Globalization.CultureInfo.InvariantCulture), Field("event"), Field("data"), [.. lines]);
    }

    public ValueTask DisposeAsync()
    {
        _response.Dispose();
        _reader.Dispose();
        return ValueTask.CompletedTask;
    }
}
