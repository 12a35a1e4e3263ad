using System.Text;
using System.Text.RegularExpressions;
using TaskLeaseServer.Bench.Harness;

namespace TaskLeaseServer.Bench.Scenarios;

/// <summary>
/// One open dashboard page as ui.js keeps it live, for the ui-soak scenario: the page is loaded once;
/// its live marker names the stream and the event id to start after; the stream is read with a
/// streaming GET; each event (re)arms a 250 ms debounce that re-reads the page (one re-read at a time);
/// a page without a tail also re-reads every 15 s; a broken stream re-reads the page (no tail) and
/// reconnects from the last id after a backoff doubling from 1 s to 30 s. Keep this in step with ui.js.
/// </summary>
public sealed partial class LivePage : IAsyncDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(15);
    private readonly BenchClient _pages;
    private readonly HttpClient _streams;
    private readonly string _path;
    private readonly CancellationTokenSource _stop = new();
    private readonly Timer _debounce;
    private readonly Timer _tick;
    private string _stream = "";
    private string _last = "0";
    private bool _tail;
    private int _pending;
    private Task _reader = Task.CompletedTask;

    private LivePage(BenchClient pages, HttpClient streams, string path)
    {
        _pages = pages;
        _streams = streams;
        _path = path;
        _debounce = new Timer(_ => _ = Refresh());
        _tick = new Timer(_ => _ = Refresh());
    }

    public long Events;
    public long Refreshes;
    public long Reconnects;
    public bool Connected;

    public static async Task<LivePage> Open(BenchClient pages, HttpClient streams, string path)
    {
        var page = new LivePage(pages, streams, path);
        var html = (await pages.Get(path, 200)).Text;
        var marker = Marker().Match(html);
        if (!marker.Success) throw new InvalidOperationException($"{path} has no live marker");
        page._stream = System.Net.WebUtility.HtmlDecode(marker.Groups["stream"].Value);
        page._last = marker.Groups["after"].Value;
        page._tail = marker.Groups["tail"].Success;
        if (!page._tail) page._tick.Change(Tick, Tick);
        page._reader = Task.Run(page.Follow);
        return page;
    }

    [GeneratedRegex("""data-live="[^"]*" data-stream="(?<stream>[^"]+)" data-after="(?<after>\d+)"(?<tail> data-tail)?""")]
    private static partial Regex Marker();

    private async Task Refresh()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 1 || _stop.IsCancellationRequested) return;
        try
        {
            await _pages.Get(_path, 200);
            Interlocked.Increment(ref Refreshes);
        }
        finally
        {
            Volatile.Write(ref _pending, 0);
        }
    }

    private async Task Follow()
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var url = _stream + (_stream.Contains('?') ? "&" : "?") + "after=" + Uri.EscapeDataString(_last);
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
                using var response = await _streams.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
                if (!response.IsSuccessStatusCode) throw new HttpRequestException($"stream answered {(int)response.StatusCode}");
                backoff = TimeSpan.FromSeconds(1);
                Connected = true;
                using var body = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token), Encoding.UTF8);
                var frame = new List<string>();
                while (await body.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line.Length > 0) { frame.Add(line); continue; }
                    OnFrame(frame);
                    frame.Clear();
                }
                throw new HttpRequestException("the stream ended");
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                Connected = false;
                Interlocked.Increment(ref Reconnects);
                if (!_tail) _ = Refresh();
                try { await Task.Delay(backoff, _stop.Token); }
                catch (OperationCanceledException) { return; }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <summary>"id:" and "data:" lines make an event; a frame of ":" comments only is a keep-alive.</summary>
    private void OnFrame(List<string> lines)
    {
        string? id = null;
        var data = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("id:", StringComparison.Ordinal)) id = line[3..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal)) data = true;
        }
        if (!data) return;
        if (id is not null) _last = id;
        Interlocked.Increment(ref Events);
        if (!_tail) _debounce.Change(Debounce, Timeout.InfiniteTimeSpan);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _debounce.DisposeAsync();
        await _tick.DisposeAsync();
        await _reader;
        _stop.Dispose();
    }
}
