using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Client;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Client;

/// <summary>
/// Issue 13, telemetry through System.Diagnostics: the worker's spans carry nulltickets.run_id and
/// nulltickets.task_id (and the server links them to the run once exported), and its counters count
/// claims, completions and failures. Other facts' workers run in the same process at the same time:
/// everything here is filtered by this fact's own role.
/// </summary>
public sealed class WorkerTelemetryFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    [Fact]
    public async Task SpansCarryTheRunAndTaskIdsAndCountersCountClaimsCompletionsAndFailures()
    {
        var client = new TaskLeaseClient(fixture.Server.BaseAddress);
        var role = Flow.Unique("telemetry");
        var pipeline = await client.CreatePipelineAsync(role, new
        {
            initial = "todo",
            states = new Dictionary<string, object> { ["todo"] = new { agent_role = role }, ["done"] = new { terminal = true }, ["dead"] = new { terminal = true } },
            transitions = new object[] { new { from = "todo", to = "done", trigger = "finish" } },
        });
        var ids = await client.CreateTasksAsync([new NewTask(pipeline, "ok"), new NewTask(pipeline, "ok"),
            new NewTask(pipeline, "broken") { RetryPolicy = new RetryPolicy(DeadLetterStage: "dead") }]);

        var spans = new ConcurrentQueue<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ClientTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { if (Equals(a.GetTagItem(ClientTelemetry.RoleTagName), role)) spans.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(activities);
        var counts = new ConcurrentDictionary<string, long>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == ClientTelemetry.Name) l.EnableMeasurementEvents(instrument); };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == ClientTelemetry.RoleTagName && Equals(tag.Value, role)) counts.AddOrUpdate(instrument.Name, value, (_, n) => n + value);
        });
        meters.Start();

        var worker = new TaskLeaseWorker(client, new TaskLeaseWorkerOptions
        {
            AgentRole = role, Concurrency = 2, ClaimWaitMs = 1_000, UnavailableBackoff = TimeSpan.FromMilliseconds(100),
        }, (ctx, _) => ctx.Task.Title == "broken"
            ? throw new NonRetryableException("cannot parse", "bad_input")
            : Task.FromResult(WorkResult.Transition("finish")), new CollectingLogger<TaskLeaseWorker>());
        await worker.StartAsync(CancellationToken.None);
        await WorkerHarness.Until(() => Task.FromResult(spans.Count >= 3), TimeSpan.FromSeconds(60), "three work spans");
        await worker.StopAsync(CancellationToken.None);

        var runs = new Dictionary<string, string>();
        foreach (var id in ids) runs[id] = (await client.GetTaskAsync(id)).LatestRun!.Id;
        spans.Select(s => ((string)s.GetTagItem(ClientTelemetry.TaskIdTag)!, (string)s.GetTagItem(ClientTelemetry.RunIdTag)!))
            .Should().BeEquivalentTo(runs.Select(r => (r.Key, r.Value)), "one span per run, tagged with its task and run");
        spans.Single(s => (string)s.GetTagItem(ClientTelemetry.TaskIdTag)! == ids[2]).Status.Should().Be(ActivityStatusCode.Error);

        counts.GetValueOrDefault("tls.worker.claimed").Should().Be(3);
        counts.GetValueOrDefault("tls.worker.completed").Should().Be(2);
        counts.GetValueOrDefault("tls.worker.failed").Should().Be(1);

        // Exported as OTLP, the span is found by its run: the tag is the attribute the server links by.
        var span = spans.First();
        var runId = (string)span.GetTagItem(ClientTelemetry.RunIdTag)!;
        var export = JsonSerializer.SerializeToElement(new
        {
            resourceSpans = new[] { new { scopeSpans = new[] { new { spans = new[] { new
            {
                traceId = span.TraceId.ToHexString(), spanId = span.SpanId.ToHexString(), name = span.DisplayName,
                startTimeUnixNano = (span.StartTimeUtc - DateTime.UnixEpoch).Ticks * 100,
                attributes = span.TagObjects.Select(t => new { key = t.Key, value = new { stringValue = t.Value?.ToString() } }),
            } } } } } },
        });
        (await client.IngestTracesAsync(export)).AcceptedSpans.Should().Be(1);
        var linked = new List<TaskLeaseServer.Client.Span>();
        await foreach (var s in client.EnumerateSpansAsync(runId: runId)) linked.Add(s);
        linked.Should().ContainSingle().Which.SpanId.Should().Be(span.SpanId.ToHexString());
        linked[0].TaskId.Should().Be((string)span.GetTagItem(ClientTelemetry.TaskIdTag)!);
    }
}
