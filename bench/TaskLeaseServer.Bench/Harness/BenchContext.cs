using TaskLeaseServer.Testing;

namespace TaskLeaseServer.Bench.Harness;

/// <summary>What every scenario gets: the options, the report, and a way to get a fresh server.</summary>
public sealed class BenchContext(BenchOptions options, Report report) : IDisposable
{
    private readonly List<BenchClient> _clients = [];
    private readonly Lazy<OwnCluster> _cluster = new(() => new OwnCluster());

    /// <summary>The run's throwaway PostgreSQL cluster, started on first use (--engine postgresql, the nodes scenario).</summary>
    public OwnCluster Cluster => _cluster.Value;

    public BenchOptions Options { get; } = options;
    public Report Report { get; } = report;
    public TimeSpan Phase => TimeSpan.FromSeconds(Options.Seconds);
    /// <summary>Unique per run, so pipelines created against a long-lived --url server never collide.</summary>
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..8];
    /// <summary>Figures one scenario leaves for another to compare against (e.g. the HTTP cycle rate).</summary>
    public Dictionary<string, double> Figures { get; } = new(StringComparer.Ordinal);

    public async Task<ServerTarget> OpenServer()
    {
        var process = Options.Url is null
            ? await ServerProcess.Start(Options.ServerDll, Options.Engine == "postgresql" ? Cluster.NewDatabase() : null)
            : null;
        var target = new ServerTarget(Options.Url ?? process!.Url, process, Options.ApiToken);
        lock (_clients) _clients.Add(target.Client);
        return target;
    }

    /// <summary>Adds a client of a server a scenario started itself, so its errors count.</summary>
    public void Track(BenchClient client)
    {
        lock (_clients) _clients.Add(client);
    }

    public void Dispose()
    {
        if (_cluster.IsValueCreated) _cluster.Value.Dispose();
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
