using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace TaskLeaseServer.Conformance.Resilience;

/// <summary>
/// Issue 14 item 5: SIGTERM under load once left requests without any answer. Writers on fresh and
/// on kept-alive connections create tasks while the server is told to stop; every request sent
/// before the signal gets a complete HTTP answer, every acknowledged create is in the database
/// after a restart, and the process exits 0.
/// </summary>
public sealed class GracefulShutdownFacts(ITestOutputHelper output)
{
    private const int FreshWriters = 16;
    private const int KeepAliveWriters = 16;

    /// <summary>One request: when it was sent in full (or began, when sending failed), and what came back.</summary>
    private sealed record Exchange(string Title, long SentAt, int? Status, string Body, string? Broken);

    [Fact]
    public async Task Sigterm_AnswersEveryRequestSentBeforeIt_AndKeepsEveryAcknowledgedWrite()
    {
        var dir = ServerProcess.NewTempDir();
        var options = new ServerOptions { Db = TestDatabase.Fresh(dir, "drain") };
        var server = await ServerProcess.StartAsync(options, dir);
        using var setup = new Api(server.BaseAddress);
        var pipeline = await setup.CreatePipelineAsync();

        var exchanges = new ConcurrentBag<Exchange>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, FreshWriters + KeepAliveWriters)
            .Select(n => Task.Run(() => Writer(server.Port, pipeline.Id, keepAlive: n >= FreshWriters, bulk: n % 4 == 0, exchanges, stop.Token)))
            .ToList();
        await Eventually.TrueAsync(() => Task.FromResult(exchanges.Count(e => e.Status == 201) >= 500), TimeSpan.FromSeconds(30),
            "the writers to get 500 creates acknowledged");

        var signalledAt = Stopwatch.GetTimestamp();
        var exitCode = await server.TerminateAsync(TimeSpan.FromSeconds(40));
        stop.Cancel();
        await Task.WhenAll(writers);

        var after = exchanges.Where(e => e.SentAt >= signalledAt).ToList();
        output.WriteLine($"sent before SIGTERM: {exchanges.Count(e => e.SentAt < signalledAt)}; after: {after.Count} " +
                         $"({after.Count(e => e.Status is not null)} answered, {after.Count(e => e.Status is null)} closed unanswered)");
        exitCode.Should().Be(0, "SIGTERM is a clean stop; output: {0}", server.Output);
        var before = exchanges.Where(e => e.SentAt < signalledAt).ToList();
        before.Where(e => e.Status is null).Should().BeEmpty("every request sent before SIGTERM is answered in full");
        before.Should().OnlyContain(e => e.Status == 201, "the server answers what it accepted normally");

        var acknowledged = exchanges.Where(e => e.Status == 201).SelectMany(CreatedIds).ToList();
        await using var again = await ServerProcess.StartAsync(options, dir);
        using var api = new Api(again.BaseAddress);
        var stored = await api.AllTasksAsync(pipeline.Id);
        stored.Select(t => t.GetProperty("id").GetString()!).Should().Contain(acknowledged, "every acknowledged create survives the stop");
        var unanswered = exchanges.Where(e => e.Status is null).Select(e => e.Title).ToHashSet();
        stored.Select(t => t.GetProperty("title").GetString()!).Where(unanswered.Contains)
            .Should().BeEmpty("a request the server closed without answering (after SIGTERM) was never executed");
        ServerProcess.TryDeleteDirectory(dir);
    }

    private static IEnumerable<string> CreatedIds(Exchange e)
    {
        using var doc = JsonDocument.Parse(e.Body);
        return doc.RootElement.TryGetProperty("ids", out var ids)
            ? ids.EnumerateArray().Select(i => i.GetString()!).ToList()
            : [doc.RootElement.GetProperty("id").GetString()!];
    }

    /// <summary>Creates tasks until the server refuses connections or the test stops it.</summary>
    private static async Task Writer(int port, string pipelineId, bool keepAlive, bool bulk, ConcurrentBag<Exchange> exchanges, CancellationToken stop)
    {
        var sequence = 0;
        byte[] Request(string title)
        {
            var one = $$"""{"pipeline_id":"{{pipelineId}}","title":"{{title}}","description":""}""";
            var body = bulk ? $$"""{"tasks":[{{string.Join(',', Enumerable.Repeat(one, 50))}}]}""" : one;
            return Encoding.UTF8.GetBytes(
                $"POST {(bulk ? "/tasks/bulk" : "/tasks")} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n" +
                $"Connection: {(keepAlive ? "keep-alive" : "close")}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
        }
        while (!stop.IsCancellationRequested)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", port);
            }
            catch (SocketException)
            {
                return; // refused: the server no longer accepts connections
            }
            var stream = client.GetStream();
            var reader = new ResponseReader(stream);
            while (!stop.IsCancellationRequested)
            {
                var title = $"drain-{Guid.NewGuid():N}-{sequence++}";
                var request = Request(title);
                var startedAt = Stopwatch.GetTimestamp();
                long sentAt;
                try
                {
                    await stream.WriteAsync(request);
                    sentAt = Stopwatch.GetTimestamp();
                }
                catch (IOException e)
                {
                    // The server closed the connection first: a failure only when that happened before SIGTERM.
                    exchanges.Add(new Exchange(title, startedAt, null, "", "write failed: " + e.Message));
                    break;
                }
                var (status, text, close, broken) = await reader.ReadAsync();
                exchanges.Add(new Exchange(title, sentAt, status, text, broken));
                if (!keepAlive || close || broken is not null) break;
            }
        }
    }

    /// <summary>Reads HTTP/1.1 responses framed by Content-Length off one connection.</summary>
    private sealed class ResponseReader(NetworkStream stream)
    {
        private readonly List<byte> _buffer = [];
        private readonly byte[] _chunk = new byte[16 * 1024];

        public async Task<(int? Status, string Body, bool Close, string? Broken)> ReadAsync()
        {
            try
            {
                int headEnd;
                while ((headEnd = IndexOfBlankLine()) < 0)
                {
                    if (!await FillAsync()) return (null, "", true, $"connection closed after {_buffer.Count} bytes of a response head");
                }
                var head = Encoding.ASCII.GetString(_buffer.GetRange(0, headEnd).ToArray()).Split("\r\n");
                var status = int.Parse(head[0].Split(' ')[1], CultureInfo.InvariantCulture);
                var length = head.Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    .Select(h => int.Parse(h[15..].Trim(), CultureInfo.InvariantCulture)).Single();
                var close = head.Any(h => h.Equals("Connection: close", StringComparison.OrdinalIgnoreCase));
                while (_buffer.Count < headEnd + 4 + length)
                {
                    if (!await FillAsync()) return (null, "", true, "connection closed inside a response body");
                }
                var body = Encoding.UTF8.GetString(_buffer.GetRange(headEnd + 4, length).ToArray());
                _buffer.RemoveRange(0, headEnd + 4 + length);
                return (status, body, close, null);
            }
            catch (IOException e)
            {
                return (null, "", true, "connection reset: " + e.Message);
            }
            catch (OperationCanceledException)
            {
                return (null, "", true, "no answer within 35 s");
            }
        }

        private async Task<bool> FillAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(35));
            var n = await stream.ReadAsync(_chunk, timeout.Token);
            _buffer.AddRange(_chunk.AsSpan(0, n).ToArray());
            return n > 0;
        }

        private int IndexOfBlankLine()
        {
            for (var i = 0; i + 3 < _buffer.Count; i++)
            {
                if (_buffer[i] == '\r' && _buffer[i + 1] == '\n' && _buffer[i + 2] == '\r' && _buffer[i + 3] == '\n') return i;
            }
            return -1;
        }
    }
}
