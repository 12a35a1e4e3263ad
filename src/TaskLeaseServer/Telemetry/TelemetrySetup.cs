using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TaskLeaseServer.Hosting;
using TaskLeaseServer.Storage.Sqlite;

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
        var database = app.Services.GetRequiredService<SqliteDatabase>();
        var writer = app.Services.GetRequiredService<WriteQueue>();
        ServerTelemetry.ObserveQueueDepth(() => ReadyByRole(database));
        ServerTelemetry.ObserveWriterBacklog(() => writer.Queued);
    }

    private static IEnumerable<Measurement<long>> ReadyByRole(SqliteDatabase database)
    {
        using var db = database.OpenRead();
        return Dapper.SqlMapper.Query<(string Role, long Count)>(db, """
            SELECT role, COUNT(*) FROM tasks INDEXED BY ix_tasks_claim
            WHERE role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL AND retry_wait = 0
            GROUP BY role
            """).Select(r => new Measurement<long>(r.Count, new KeyValuePair<string, object?>("role", r.Role))).ToList();
    }
}
