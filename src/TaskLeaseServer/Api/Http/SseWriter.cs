using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// A Server-Sent Events response (text/event-stream): each event is its <c>id:</c>, <c>event:</c>
/// and one <c>data:</c> line (compact JSON holds no raw newline) and a blank line; a comment line
/// <c>: keepalive</c> keeps idle proxies from closing the stream.
/// </summary>
public sealed class SseWriter
{
    private readonly HttpResponse _response;

    private SseWriter(HttpResponse response) => _response = response;

    /// <summary>Sends the 200 and the headers now, so the client knows the stream is open before any event.</summary>
    public static async Task<SseWriter> Start(HttpContext http)
    {
        var response = http.Response;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        // nginx buffers proxied responses unless told not to.
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(http.RequestAborted);
        await response.Body.FlushAsync(http.RequestAborted);
        return new SseWriter(response);
    }

    public static string Frame(long id, string kind, string dataJson) =>
        string.Create(CultureInfo.InvariantCulture, $"id: {id}\nevent: {OneLine(kind)}\ndata: {dataJson}\n\n");

    public Task Write(string frames, CancellationToken cancel) =>
        Flushed(_response.Body.WriteAsync(Encoding.UTF8.GetBytes(frames), cancel).AsTask(), cancel);

    public Task Comment(string text, CancellationToken cancel) => Write($": {OneLine(text)}\n\n", cancel);

    private async Task Flushed(Task write, CancellationToken cancel)
    {
        await write;
        await _response.Body.FlushAsync(cancel);
    }

    /// <summary>An event kind is free text from the agent: a line break in it would end the field early.</summary>
    private static string OneLine(string text) => text.Replace("\r", " ").Replace("\n", " ");
}
