using System.IO.Compression;
using System.Runtime.InteropServices;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api.Http;

/// <summary>
/// Undoes <c>Content-Encoding: gzip</c> on a request body (OTLP exporters compress, CONTRACT W23).
/// The inflated size is capped while inflating, so a small "gzip bomb" cannot fill memory. Other
/// encodings are left alone, as the reference left every encoding alone.
/// </summary>
public static class ContentEncoding
{
    public static ReadOnlyMemory<byte> Decode(HttpContext context, ReadOnlyMemory<byte> body, int maxBytes)
    {
        var header = context.Request.Headers.ContentEncoding;
        var encoding = header.Count > 0 ? header[0]?.Trim() : null;
        if (!string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(encoding, "x-gzip", StringComparison.OrdinalIgnoreCase))
        {
            return body;
        }

        var input = MemoryMarshal.TryGetArray(body, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(body.ToArray(), writable: false);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = gzip.Read(chunk)) > 0)
            {
                if (output.Length + read > maxBytes)
                    throw new ApiError(413, "payload_too_large", $"the gzip body inflates to more than {maxBytes} bytes; send smaller batches");
                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            throw new ApiError(400, "invalid_request", "Content-Encoding is gzip but the body is not valid gzip data; compress it or drop the header");
        }
        return new ReadOnlyMemory<byte>(output.GetBuffer(), 0, (int)output.Length);
    }
}
