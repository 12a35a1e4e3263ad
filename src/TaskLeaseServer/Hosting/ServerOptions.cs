namespace TaskLeaseServer.Hosting;

/// <summary>Everything the process is configured with, after CLI flags, config file and defaults.</summary>
public sealed record ServerOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 7700;
    public required string DbPath { get; init; }
    public string? ApiToken { get; init; }
    /// <summary>Where the API token came from (--token, --token-file, the environment, the config file), for the start-up log.</summary>
    public string ApiTokenSource { get; init; } = "none";
    /// <summary>How often the lease sweeper reaps expired leases.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How long Idempotency-Key records are kept (CONTRACT W9).</summary>
    public TimeSpan IdempotencyRetention { get; init; } = TimeSpan.FromHours(24);
    /// <summary>How long ingested OTLP batches and their spans are kept (CONTRACT W22).</summary>
    public TimeSpan OtlpRetention { get; init; } = TimeSpan.FromDays(7);
    /// <summary>The request body limit (CONTRACT §1.3, EXTENSIONS §15): larger bodies are 413.</summary>
    public long MaxBodyBytes { get; init; } = Api.Http.RequestBody.DefaultLimit;
    /// <summary>synchronous=FULL: fsync every commit, so a power loss loses nothing acknowledged.</summary>
    public bool SynchronousFull { get; init; }
    /// <summary>Compact JSON log lines instead of text.</summary>
    public bool JsonLogs { get; init; }
    /// <summary>Where the config file was looked for (logged at start-up).</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Whether only this machine can reach the listener.</summary>
    public bool LoopbackOnly => Host == "localhost" || (System.Net.IPAddress.TryParse(Host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
