namespace TaskLeaseServer.Client;

/// <summary>What a <see cref="TaskLeaseWorker"/> claims and how it keeps its leases.</summary>
public sealed class TaskLeaseWorkerOptions
{
    /// <summary>The server; ignored when a <see cref="TaskLeaseClient"/> is registered in the container.</summary>
    public Uri Server { get; set; } = new("http://127.0.0.1:7700");

    /// <summary>The API token or a key with the agent scope.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The role whose stages this worker works (a stage's <c>agent_role</c>).</summary>
    public string AgentRole { get; set; } = "";

    /// <summary>Recorded on every run and lease; unique per process by default.</summary>
    public string AgentId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>How many tasks this worker works at once (one long-poll claim per free slot).</summary>
    public int Concurrency { get; set; } = 1;

    /// <summary>The lease asked for at the claim; a heartbeat is sent every third of it.</summary>
    public long LeaseTtlMs { get; set; } = 60_000;

    /// <summary>How long one claim waits on the server for work (0..30000 ms).</summary>
    public int ClaimWaitMs { get; set; } = 30_000;

    /// <summary>How long the worker waits after the server could not be reached before claiming again.</summary>
    public TimeSpan UnavailableBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>On shutdown, how long a handler may take to stop after its token is canceled before its lease is released anyway.</summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Heartbeat and shutdown timing; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The worker's metrics are tagged with its role, so one host's roles can be told apart.</summary>
    internal KeyValuePair<string, object?> RoleTag => new(ClientTelemetry.RoleTagName, AgentRole);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(AgentRole)) throw new ArgumentException("TaskLeaseWorkerOptions.AgentRole is required: the role whose stages the worker claims");
        if (Concurrency < 1) throw new ArgumentException("TaskLeaseWorkerOptions.Concurrency must be at least 1");
        if (LeaseTtlMs < 3_000) throw new ArgumentException("TaskLeaseWorkerOptions.LeaseTtlMs must be at least 3000 (a heartbeat goes every third of it)");
        if (ClaimWaitMs is < 0 or > 30_000) throw new ArgumentException("TaskLeaseWorkerOptions.ClaimWaitMs must be within 0..30000");
    }
}
