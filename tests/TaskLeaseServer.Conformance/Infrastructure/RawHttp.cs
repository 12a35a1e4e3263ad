using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>
/// HTTP/1.1 over a bare TcpClient, for requests HttpClient would normalise or refuse to send
/// (<c>//tasks</c>, <c>%61</c> in a path, lower-case methods, chunked or oversize bodies, invalid
/// UTF-8). Always sends <c>Connection: close</c> and reads one complete response.
/// </summary>
public static class RawHttp
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Sends <paramref name="method"/> <paramref name="target"/> with a Content-Length body.</summary>
    public static Task<ApiResponse> SendAsync(int port, string method, string target, byte[]? body = null,
        IEnumerable<(string Name, string Value)>? headers = null, bool contentLength = true)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"{method} {target} HTTP/1.1\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Host: 127.0.0.1:{port}\r\n");
        head.Append("Connection: close\r\n");
        foreach (var (name, value) in headers ?? [])
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }
        if (body is not null && contentLength)
        {
            head.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n");
        }
        head.Append("\r\n");
        var bytes = Encoding.Latin1.GetBytes(head.ToString());
        if (body is not null) bytes = [.. bytes, .. body];
        return SendBytesAsync(port, bytes, method, target);
    }

    public static Task<ApiResponse> SendAsync(int port, string method, string target, string body,
        IEnumerable<(string Name, string Value)>? headers = null) =>
        SendAsync(port, method, target, Encoding.UTF8.GetBytes(body), headers);

    /// <summary>Sends the body with <c>Transfer-Encoding: chunked</c>, in chunks of <paramref name="chunkSize"/>.</summary>
    public static Task<ApiResponse> SendChunkedAsync(int port, string method, string target, byte[] body, int chunkSize = 1000,
        IEnumerable<(string Name, string Value)>? headers = null)
    {
        var framed = new List<byte>();
        for (var i = 0; i < body.Length; i += chunkSize)
        {
            var n = Math.Min(chunkSize, body.Length - i);
            framed.AddRange(Encoding.ASCII.GetBytes(n.ToString("x", CultureInfo.InvariantCulture) + "\r\n"));
            framed.AddRange(body.AsSpan(i, n).ToArray());
            framed.AddRange("\r\n"u8.ToArray());
        }
        framed.AddRange("0\r\n\r\n"u8.ToArray());
        var all = (headers ?? []).Append(("Transfer-Encoding", "chunked"));
        return SendAsync(port, method, target, [.. framed], all, contentLength: false);
    }

    /// <summary>Writes <paramref name="request"/> verbatim and parses the single response.</summary>
    public static async Task<ApiResponse> SendBytesAsync(int port, byte[] request, string method = "?", string target = "?")
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cts.Token);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request, cts.Token);
            await stream.FlushAsync(cts.Token);
        }
        catch (IOException)
        {
            // The server may answer (e.g. 413) and close before reading everything; read what it said.
        }

        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, cts.Token);
                if (n == 0) break;
                received.Write(buffer, 0, n);
                if (IsComplete(received.ToArray())) break;
            }
        }
        catch (IOException) when (received.Length > 0)
        {
            // connection reset after the response was written
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException(
                $"{method} {Short(target)}: no complete response within {Timeout.TotalSeconds:0} s (got {received.Length} bytes)");
        }

        var data = received.ToArray();
        if (data.Length == 0)
        {
            throw new Xunit.Sdk.XunitException($"{method} {Short(target)}: the server closed the connection without any response");
        }
        return Parse(data, method, target);
    }

    private static string Short(string s) => s.Length > 120 ? s[..120] + "…" : s;

    private static int HeaderEnd(byte[] data) => data.AsSpan().IndexOf("\r\n\r\n"u8);

    private static bool IsComplete(byte[] data)
    {
        var end = HeaderEnd(data);
        if (end < 0) return false;
        var head = ParseHead(Encoding.Latin1.GetString(data, 0, end));
        var bodyStart = end + 4;
        if (head.Headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            return TryDechunk(data.AsSpan(bodyStart), out _);
        }
        if (head.Headers.TryGetValue("Content-Length", out var cl) && int.TryParse(cl, CultureInfo.InvariantCulture, out var len))
        {
            return data.Length - bodyStart >= len;
        }
        return head.Status is 204 or 304;
    }

    private static ApiResponse Parse(byte[] data, string method, string target)
    {
        var end = HeaderEnd(data);
        if (end < 0)
        {
            throw new Xunit.Sdk.XunitException($"{method} {Short(target)}: incomplete response head: {Encoding.Latin1.GetString(data)}");
        }
        var head = ParseHead(Encoding.Latin1.GetString(data, 0, end));
        var rest = data.AsSpan(end + 4);
        byte[] body;
        if (head.Headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            if (!TryDechunk(rest, out body)) throw new Xunit.Sdk.XunitException($"{method} {Short(target)}: truncated chunked response");
        }
        else if (head.Headers.TryGetValue("Content-Length", out var cl) && int.TryParse(cl, CultureInfo.InvariantCulture, out var len))
        {
            if (rest.Length < len) throw new Xunit.Sdk.XunitException($"{method} {Short(target)}: response body shorter than its Content-Length");
            body = rest[..len].ToArray();
        }
        else
        {
            body = rest.ToArray();
        }
        head.Headers.TryGetValue("Content-Type", out var contentType);
        var mediaType = contentType?.Split(';')[0].Trim();
        return new ApiResponse(method, target, head.Status, body, mediaType, head.Headers);
    }

    private static (int Status, Dictionary<string, string> Headers) ParseHead(string head)
    {
        var lines = head.Split("\r\n");
        var statusParts = lines[0].Split(' ', 3);
        var status = statusParts.Length >= 2 && int.TryParse(statusParts[1], CultureInfo.InvariantCulture, out var s) ? s : -1;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var prior) ? prior + ", " + value : value;
        }
        return (status, headers);
    }

    private static bool TryDechunk(ReadOnlySpan<byte> data, out byte[] body)
    {
        var result = new List<byte>();
        var pos = 0;
        while (true)
        {
            var lineEnd = data[pos..].IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                body = [];
                return false;
            }
            var sizeText = Encoding.ASCII.GetString(data.Slice(pos, lineEnd)).Split(';')[0].Trim();
            if (!int.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size))
            {
                body = [];
                return false;
            }
            pos += lineEnd + 2;
            if (size == 0)
            {
                body = [.. result];
                return true;
            }
            if (data.Length < pos + size + 2)
            {
                body = [];
                return false;
            }
            result.AddRange(data.Slice(pos, size).ToArray());
            pos += size + 2;
        }
    }
}
