using TaskLeaseServer.Client;

namespace TaskLeaseServer.Bench.Harness;

/// <summary>A server to load: one this run started (and stops), or the one given by --url.</summary>
public sealed class ServerTarget(Uri url, ServerProcess? process, string? apiToken) : IAsyncDisposable
{
    public Uri Url { get; } = url;
    /// <summary>Null when the server was given by --url: its memory cannot be read.</summary>
    public ServerProcess? Process { get; } = process;
    /// <summary>Raw HTTP for the measured loops.</summary>
    public BenchClient Client { get; } = new(url, apiToken);
    /// <summary>The typed client for set-up and polling the server's state (never inside a measured loop).</summary>
    public TaskLeaseClient Typed { get; } = new(url, apiToken);

    /// <summary>Server CPU time so far, or zero when the server is not ours to read.</summary>
    public TimeSpan Cpu() => Process?.CpuTime() ?? TimeSpan.Zero;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Typed.Dispose();
        if (Process is not null) await Process.DisposeAsync();
    }
}
