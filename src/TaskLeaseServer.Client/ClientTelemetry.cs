using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TaskLeaseServer.Client;

/// <summary>
/// The client's traces and metrics, through System.Diagnostics only: subscribe with any OpenTelemetry
/// SDK (AddSource/AddMeter "TaskLeaseServer.Client"). Work spans carry nulltickets.run_id and
/// nulltickets.task_id, the attributes the server's OTLP ingest links to runs and tasks.
/// </summary>
public static class ClientTelemetry
{
    public const string Name = "TaskLeaseServer.Client";
    public const string RunIdTag = "nulltickets.run_id";
    public const string TaskIdTag = "nulltickets.task_id";
    /// <summary>On every worker span and worker metric: the role the worker claims for.</summary>
    public const string RoleTagName = "nulltickets.agent_role";

    public static readonly ActivitySource Source = new(Name);
    internal static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>("tls.client.retries", description: "requests sent again after a connection failure, timeout or 5xx");
    internal static readonly Counter<long> Claimed = Meter.CreateCounter<long>("tls.worker.claimed", description: "leases granted to the worker");
    internal static readonly Counter<long> Completed = Meter.CreateCounter<long>("tls.worker.completed", description: "runs the worker transitioned");
    internal static readonly Counter<long> Failed = Meter.CreateCounter<long>("tls.worker.failed", description: "runs the worker failed");
    internal static readonly Counter<long> LeasesLost = Meter.CreateCounter<long>("tls.worker.leases_lost", description: "leases lost while the handler worked (expired, revoked, reaped)");
    internal static readonly Histogram<double> WorkDuration = Meter.CreateHistogram<double>("tls.worker.duration", unit: "ms", description: "handler time per run");
}
