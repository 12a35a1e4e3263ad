namespace TaskLeaseServer.Bench.Harness;

/// <summary>A server to load: one this run started (and stops), or the one given by --url.</summary>
public sealed class ServerTarget(Uri url, ServerProcess? process, string? apiToken) : IAsyncDisposable
{
    public Uri Url { get; } = url;
    /// <summary>Null when the server was given by --url: its memory cannot be read.</summary>
    public ServerProcess? Process { get; } = process;
    public BenchClient Client { get; } = new(url, apiToken);

    /// <summary>Server CPU time so far, or zero when the server is not ours to read.</summary>
    public TimeSpan Cpu() => Process?.CpuTime() ?? TimeSpan.Zero;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (Process is not null) await Process.DisposeAsync();
    }
}

/// <summary>What every scenario gets: the options, the report, and a way to get a fresh server.</summary>
public sealed class BenchContext(BenchOptions options, Report report)
{
    private readonly List<BenchClient> _clients = [];

    public BenchOptions Options { get; } = options;
    public Report Report { get; } = report;
    public TimeSpan Phase => TimeSpan.FromSeconds(Options.Seconds);
    /// <summary>Unique per run, so pipelines created against a long-lived --url server never collide.</summary>
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..8];
    /// <summary>Figures one scenario leaves for another to compare against (e.g. the HTTP cycle rate).</summary>
    public Dictionary<string, double> Figures { get; } = new(StringComparer.Ordinal);

    public async Task<ServerTarget> OpenServer()
    {
        var process = Options.Url is null ? await ServerProcess.Start(Options.ServerDll) : null;
        var target = new ServerTarget(Options.Url ?? process!.Url, process, Options.ApiToken);
        lock (_clients) _clients.Add(target.Client);
        return target;
    }

    /// <summary>Error messages of every client this run used (any one means the run failed).</summary>
    public (long Count, IReadOnlyList<string> First) Errors()
    {
        lock (_clients)
        {
            return (_clients.Sum(c => c.Errors), _clients.SelectMany(c => c.FirstErrors).Take(10).ToList());
        }
    }
}
