using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace TaskLeaseServer.Client;

/// <summary>
/// A Server-Sent Events stream of events that survives its connection: when the connection ends
/// or fails, it reconnects with Last-Event-ID set to the last id it yielded, so the caller sees
/// every event once, in id order. Ends only when the caller stops enumerating or cancels; an
/// error answer (4xx) is thrown.
/// </summary>
internal sealed class EventStream(Transport transport, string path)
{
    public async IAsyncEnumerable<RunEvent> ReadAsync(long? after, [EnumeratorCancellation] CancellationToken ct)
    {
        var last = after;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            HttpResponseMessage? response = null;
            Stream? body = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                if (last is { } id) request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                transport.Authorize(request);
                response = await transport.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (status is >= 400 and < 500)
                {
                    var bytes = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                    throw Transport.ParseError(status, bytes, leaseRoute: false);
                }
                if (status < 300) body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            }
            catch (HttpRequestException) { }
            catch (IOException) { }
            if (body is not null)
            {
                using var reader = new StreamReader(body, Encoding.UTF8);
                var frames = Frames(reader, ct).GetAsyncEnumerator(ct);
                while (true)
                {
                    RunEvent? next;
                    try
                    {
                        if (!await frames.MoveNextAsync().ConfigureAwait(false)) break;
                        next = frames.Current;
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException) { break; }
                    if (last is { } seen && next.Id <= seen) continue; // a replay overlapping what was yielded
                    last = next.Id;
                    failures = 0;
                    yield return next;
                }
                await frames.DisposeAsync().ConfigureAwait(false);
            }
            response?.Dispose();
            if (ct.IsCancellationRequested) yield break;
            await Task.Delay(transport.Backoff(Math.Min(failures++, 10)), transport.Options.TimeProvider, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The SSE framing: lines up to a blank line make one event; ":" lines are keep-alives.</summary>
    private static async IAsyncEnumerable<RunEvent> Frames(StreamReader reader, [EnumeratorCancellation] CancellationToken ct)
    {
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    var e = JsonSerializer.Deserialize<RunEvent>(data.ToString(), WireJson.Options);
                    data.Clear();
                    if (e is not null) yield return e;
                }
                continue;
            }
            if (line[0] == ':') continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            if (field == "data") (data.Length > 0 ? data.Append('\n') : data).Append(value);
        }
    }
}
