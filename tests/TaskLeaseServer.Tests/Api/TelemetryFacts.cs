using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using FluentAssertions;
using TaskLeaseServer.Telemetry;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

public sealed class TelemetryFacts
{
    [Fact]
    public async Task ClaimsTransitionsFailuresAndSweeps_AreCounted()
    {
        var seen = new ConcurrentBag<(string Name, long Value, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ServerTelemetry.Name) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            seen.Add((instrument.Name, value, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))));
        listener.Start();

        await using var server = new ServerFixture();
        var role = "telemetry-" + Guid.NewGuid().ToString("N");
        var pid = await server.Http.Pipeline(Scenario.TwoStage.Replace("\"coder\"", $"\"{role}\""));
        await server.Http.NewTask(pid);
        await server.Http.NewTask(pid);
        (await server.Http.Transition((await server.Http.Claim(role))!, "submit")).Expect(HttpStatusCode.OK);
        (await server.Http.Fail((await server.Http.Claim(role))!)).Expect(HttpStatusCode.OK);
        (await server.Http.Claim(role, extra: "\"lease_ttl_ms\":1000")).Should().NotBeNull();
        (await server.Http.Claim(role)).Should().BeNull();
        server.Advance(1000);
        await server.Sweep();

        seen.Where(m => m.Name == "tls.claims" && m.Tags.Contains($"role={role}")).Should().HaveCount(4);
        seen.Should().Contain(m => m.Name == "tls.claims" && m.Tags == $"role={role},outcome=empty");
        seen.Should().Contain(m => m.Name == "tls.transitions" && m.Tags == "from=todo,to=review");
        seen.Should().Contain(m => m.Name == "tls.attempt_failures" && m.Tags == "cause=fail,outcome=retry");
        seen.Should().Contain(m => m.Name == "tls.attempt_failures" && m.Tags == "cause=lease_expired,outcome=retry");
        seen.Should().Contain(m => m.Name == "tls.sweeper.reaped_leases" && m.Value >= 1);
    }

    [Fact]
    public void NothingIsExported_WithoutAnOtlpEndpoint()
    {
        TelemetrySetup.ExportConfigured(_ => null).Should().BeFalse();
        TelemetrySetup.ExportConfigured(n => n == "OTEL_EXPORTER_OTLP_ENDPOINT" ? "http://127.0.0.1:4318" : null).Should().BeTrue();
    }
}
