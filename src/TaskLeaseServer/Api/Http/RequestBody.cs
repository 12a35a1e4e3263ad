using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.Http;

/// <summary>Endpoint metadata raising the body limit (OTLP batches are larger than API bodies).</summary>
public sealed record BodyLimit(long Bytes);

/// <summary>
/// The request body, read once into memory with a size limit (CONTRACT §1.3: 413
/// payload_too_large past 65,536 bytes by default, --max-body-bytes), whatever the Content-Type and framing.
/// </summary>
public static class RequestBody
{
    public const long DefaultLimit = 65_536;

    public static ReadOnlyMemory<byte> Of(HttpContext context) =>
        context.Items[typeof(RequestBody)] is ReadOnlyMemory<byte> body ? body : ReadOnlyMemory<byte>.Empty;

    public static async Task ReadAsync(HttpContext context)
    {
        var configured = context.RequestServices.GetService<Hosting.ServerOptions>()?.MaxBodyBytes ?? DefaultLimit;
        // A route's own larger limit (OTLP batches) stands; --max-body-bytes can raise it too.
        var limit = Math.Max(configured, context.GetEndpoint()?.Metadata.GetMetadata<BodyLimit>()?.Bytes ?? 0);
        if (context.Request.ContentLength > limit) throw TooLarge(limit);
        int read;

        // With a Content-Length (every agent request), read straight into an array of that size:
        // a 16 KiB chunk and a growing stream per request were pure allocation on the hot path.
        if (context.Request.ContentLength is { } length)
        {
            var exact = new byte[length];
            var filled = 0;
            while (filled < exact.Length &&
                   (read = await context.Request.Body.ReadAsync(exact.AsMemory(filled), context.RequestAborted)) > 0)
            {
                filled += read;
            }
            context.Items[typeof(RequestBody)] = new ReadOnlyMemory<byte>(exact, 0, filled);
            return;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit) throw TooLarge(limit);
            buffer.Write(chunk, 0, read);
        }
        context.Items[typeof(RequestBody)] = new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static ApiError TooLarge(long limit) =>
        new(413, "payload_too_large", $"request body exceeds {limit} bytes; send less per request");
}
