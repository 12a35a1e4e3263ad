namespace TaskLeaseServer.Client;

/// <summary>How a <see cref="TaskLeaseClient"/> authenticates and rides out failures.</summary>
public sealed class TaskLeaseClientOptions
{
    /// <summary>The server's API token or a scoped key; null for a server started without one.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How often a request that met a connection failure, a timeout or a 5xx is sent again (same Idempotency-Key).</summary>
    public int MaxRetries { get; set; } = 6;

    /// <summary>The first retry waits about this long; each later one twice as long (with full jitter), up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Drives the retry back-off and the SSE reconnect delay; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
