using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TaskLeaseServer.Telemetry;

/// <summary>
/// The server's own instruments: one ActivitySource and one Meter named "TaskLeaseServer". Callers
/// record what happened; whether anything is exported is decided in <see cref="TelemetrySetup"/>.
/// </summary>
public static class ServerTelemetry
{
    public const string Name = "TaskLeaseServer";

    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Claims = Meter.CreateCounter<long>(
        "tls.claims", "{claim}", "Claim requests, by outcome (claimed, empty)");
    private static readonly Counter<long> Transitions = Meter.CreateCounter<long>(
        "tls.transitions", "{transition}", "Tasks moved along their pipeline");
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "tls.attempt_failures", "{attempt}", "Attempts that failed or were abandoned, by cause (fail, lease_expired) and outcome (retry, dead_letter)");
    private static readonly Counter<long> Reaped = Meter.CreateCounter<long>(
        "tls.sweeper.reaped_leases", "{lease}", "Expired leases reaped by the sweeper");
    private static readonly Histogram<double> SweepDuration = Meter.CreateHistogram<double>(
        "tls.sweeper.duration", "ms", "Time one sweep took");

    public static void Claimed(string role, bool found) =>
        Claims.Add(1, new KeyValuePair<string, object?>("role", role), new KeyValuePair<string, object?>("outcome", found ? "claimed" : "empty"));

    public static void Transitioned(string from, string to) =>
        Transitions.Add(1, new KeyValuePair<string, object?>("from", from), new KeyValuePair<string, object?>("to", to));

    public static void AttemptFailed(string cause, bool deadLettered) =>
        Failures.Add(1, new KeyValuePair<string, object?>("cause", cause),
            new KeyValuePair<string, object?>("outcome", deadLettered ? "dead_letter" : "retry"));

    public static void Swept(int reaped, double milliseconds)
    {
        Reaped.Add(reaped);
        SweepDuration.Record(milliseconds);
    }

    /// <summary>Registers a gauge read only when a metrics exporter collects (cheap otherwise).</summary>
    public static void ObserveQueueDepth(Func<IEnumerable<Measurement<long>>> observe) =>
        Meter.CreateObservableGauge("tls.queue.ready_tasks", observe, "{task}", "Tasks ready to be claimed, by role");

    public static void ObserveWriterBacklog(Func<long> observe) =>
        Meter.CreateObservableGauge("tls.writer.queued_units", observe, "{unit}", "Write units waiting for the single writer");
}
