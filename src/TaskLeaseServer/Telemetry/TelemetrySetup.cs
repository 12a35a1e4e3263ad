using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TaskLeaseServer.Hosting;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Telemetry;

/// <summary>
/// OpenTelemetry for the server itself: traces (requests, sweeps) and metrics (requests, claims,
/// transitions, failures, sweeps, queue depth), exported over OTLP only when the standard
/// OTEL_EXPORTER_OTLP_* variables name an endpoint. Nothing is collected or exported otherwise.
/// </summary>
public static class TelemetrySetup
{
    public static bool ExportConfigured(Func<string, string?> env) =>
        new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT" }
            .Any(name => !string.IsNullOrWhiteSpace(env(name)));

    public static void AddServerTelemetry(this WebApplicationBuilder builder)
    {
        if (!ExportConfigured(Environment.GetEnvironmentVariable)) return;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServerInfo.Name, serviceVersion: ServerInfo.Version))
            .WithTracing(t => t
                .AddSource(ServerTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter())
            .WithMetrics(m => m
                .AddMeter(ServerTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
    }

    /// <summary>Wires the observable gauges to the storage they read.</summary>
    public static void ObserveStorage(this WebApplication app)
    {
        if (!ExportConfigured(Environment.GetEnvironmentVariable)) return;
        var engine = app.Services.GetRequiredService<IStorageEngine>();
        ServerTelemetry.ObserveQueueDepth(() => engine.Reads.ReadyByRole()
            .Select(r => new Measurement<long>(r.Count, new KeyValuePair<string, object?>("role", r.Role))).ToList());
        ServerTelemetry.ObserveWriterBacklog(() => engine.Writer.Queued);
    }
}
