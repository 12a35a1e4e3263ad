using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Otlp;

/// <summary>The server on a real loopback port, fed by real clients: the .NET OpenTelemetry SDK's OTLP exporter, and chunked uploads.</summary>
public sealed class OtlpExporterFacts
{
    [Fact]
    public async Task OpenTelemetrySdk_ProtobufExport_IsReadBackByRunAndByTask()
    {
        await using var server = new ServerFixture();
        var address = server.StartOnLoopback();
        using var http = new HttpClient { BaseAddress = address };
        var sourceName = "TaskLeaseServer.Tests.Agent." + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(sourceName, "9.8.7");
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .ConfigureResource(r => r.AddService("test-agent").AddAttributes([new("nulltickets.task_id", "task-otel")]))
            .AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = new Uri(address, "/v1/traces");
                // Exported as each span ends, on this thread, with room for a loaded machine: a batch
                // export that timed out under a busy test run still let ForceFlush report success.
                o.ExportProcessorType = ExportProcessorType.Simple;
                o.TimeoutMilliseconds = 60_000;
            })
            .Build();

        string traceId;
        using (var parent = source.StartActivity("agent.run", ActivityKind.Server)!)
        {
            parent.SetTag("nulltickets.run_id", "run-otel");
            parent.SetTag("attempt", 2);
            traceId = parent.TraceId.ToHexString();
            using (var child = source.StartActivity("tool.call", ActivityKind.Client)!)
            {
                child.SetTag("nulltickets.run_id", "run-otel");
                child.SetStatus(ActivityStatusCode.Error, "tool failed");
            }
        }
        tracing.ForceFlush(10_000).Should().BeTrue();

        var byRun = await http.AllSpans("run_id=run-otel");
        var byTask = await http.AllSpans("task_id=task-otel");

        byRun.Select(s => s.GetProperty("name").GetString()).Should().BeEquivalentTo("agent.run", "tool.call");
        byTask.Select(Id).Should().Equal(byRun.Select(Id));
        var parentSpan = byRun.Single(s => s.GetProperty("name").GetString() == "agent.run");
        var childSpan = byRun.Single(s => s.GetProperty("name").GetString() == "tool.call");
        parentSpan.GetProperty("trace_id").GetString().Should().Be(traceId);
        parentSpan.GetProperty("kind").GetString().Should().Be("2");    // SPAN_KIND_SERVER
        childSpan.GetProperty("kind").GetString().Should().Be("3");     // SPAN_KIND_CLIENT
        childSpan.GetProperty("parent_span_id").GetString().Should().Be(parentSpan.GetProperty("span_id").GetString());
        childSpan.GetProperty("status_code").GetString().Should().Be("2"); // STATUS_CODE_ERROR
        childSpan.GetProperty("status_message").GetString().Should().Be("tool failed");
        parentSpan.GetProperty("scope_name").GetString().Should().Be(sourceName);
        parentSpan.GetProperty("scope_version").GetString().Should().Be("9.8.7");
        parentSpan.GetProperty("end_time_unix_nano").GetInt64().Should().BeGreaterThanOrEqualTo(parentSpan.GetProperty("start_time_unix_nano").GetInt64());
        parentSpan.GetProperty("attributes").EnumerateArray().Should().Contain(a =>
            a.GetProperty("key").GetString() == "attempt" && a.GetProperty("value").GetProperty("intValue").GetString() == "2");
        parentSpan.GetProperty("resource_attributes").EnumerateArray().Should().Contain(a =>
            a.GetProperty("key").GetString() == "service.name" && a.GetProperty("value").GetProperty("stringValue").GetString() == "test-agent");
    }

    [Fact]
    public async Task ChunkedBody_IsReadWhole()
    {
        await using var server = new ServerFixture();
        using var http = new HttpClient { BaseAddress = server.StartOnLoopback() };
        var json = OtlpClient.JsonRequest(string.Join(",", Enumerable.Range(0, 500).Select(i => $$"""{"traceId":"chunked","spanId":"{{i}}"}""")));
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/traces") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var answer = await http.Exchange(request);

        answer.Status.Should().Be(HttpStatusCode.OK, answer.Text);
        answer.AcceptedSpans.Should().Be(500);
    }

    private static long Id(JsonElement span) => span.GetProperty("id").GetInt64();
}
