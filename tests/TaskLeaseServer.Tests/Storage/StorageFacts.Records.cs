using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// Pipelines, artifacts and ingested spans: what is stored is what is read back, paged in order.
public abstract partial class StorageFacts
{
    [Fact]
    public async Task APipelineName_IsUnique_AndPipelinesReadBackNewestFirst()
    {
        var definition = PipelineDefinition.Parse(System.Text.Json.JsonDocument.Parse(PipelineJson).RootElement);
        var first = await Run(u => Creation.Pipeline(u, "same", PipelineJson, definition));
        Advance(10);
        var second = await Pipeline();

        var again = () => Run(u => Creation.Pipeline(u, "same", PipelineJson, definition));
        (await again.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.DuplicatePipelineName);
        Reads.Pipelines().Select(p => p.Id).Should().Equal(second, first);
        Reads.Pipeline(first)!.DefinitionJson.Should().Be(PipelineJson);
        Reads.Pipeline("no-such-pipeline").Should().BeNull();
    }

    [Fact]
    public async Task ATaskOfAnUnknownPipeline_IsRefused_AndNothingOfItsRequestIsCreated()
    {
        var pid = await Pipeline();
        var act = () => Tasks(New(pid, "kept?"), New("no-such-pipeline"));

        (await act.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.PipelineNotFound);
        Reads.Tasks(new TaskFilter(null, pid, null, 10)).Items.Should().BeEmpty();
    }

    [Fact]
    public async Task Artifacts_NameAnExistingTaskOrRun_AndPageInCreationOrder()
    {
        var pid = await Pipeline();
        var task = await OneTask(New(pid));
        var claim = await Claimed();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await Run(u => Creation.Artifact(u, new NewArtifact("patch", $"file:///{i}", task, i % 2 == 0 ? claim.Run.Id : null,
                null, i, "{}"))));
        }
        var unknownTask = () => Run(u => Creation.Artifact(u, new NewArtifact("k", "u", "no-such-task", null, null, null, "{}")));
        var unknownRun = () => Run(u => Creation.Artifact(u, new NewArtifact("k", "u", null, "no-such-run", null, null, "{}")));

        (await unknownTask.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.TaskNotFound);
        (await unknownRun.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.RunNotFound);
        var page = Reads.Artifacts(new ArtifactFilter(task, null, null, 3));
        page.More.Should().BeTrue();
        var rest = Reads.Artifacts(new ArtifactFilter(task, null, (page.Items[^1].CreatedAtMs, page.Items[^1].Id), 3));
        page.Items.Concat(rest.Items).Select(a => a.Id).Should().BeEquivalentTo(ids);
        rest.More.Should().BeFalse();
        Reads.Artifacts(new ArtifactFilter(null, claim.Run.Id, null, 10)).Items.Should().HaveCount(3);
    }

    [Fact]
    public async Task Spans_AreReadBackByRunTaskOrTrace_AndRetentionRemovesOldBatchesWhole()
    {
        static OtlpSpan Span(string trace, string id, string? run, string? task) => new(trace, id, null, "op", null, 1, 2, null, null,
            "[]", "[]", null, null, run, task, null);
        await Run(u => u.Otlp.Ingest(new OtlpBatch("application/json", "{}", null),
            [Span("t1", "a", "run-1", "task-1"), Span("t1", "b", "run-1", null), Span("t2", "c", null, "task-1")]));
        Advance(1_000);
        await Run(u => u.Otlp.Ingest(new OtlpBatch("application/x-protobuf", null, [1, 2]), [Span("t3", "d", "run-1", null)]));

        Reads.Spans(new SpanFilter("run-1", null, null, null, 10)).Items.Select(s => s.SpanId).Should().Equal("a", "b", "d");
        Reads.Spans(new SpanFilter(null, "task-1", null, null, 10)).Items.Select(s => s.SpanId).Should().Equal("a", "c");
        var first = Reads.Spans(new SpanFilter(null, null, "t1", null, 1));
        first.More.Should().BeTrue();
        Reads.Spans(new SpanFilter(null, null, "t1", first.Items[0].Id, 1)).Items.Single().SpanId.Should().Be("b");

        var deleted = await Run(u => u.Otlp.Purge(Now - 500, 10, 100));
        while (await Run(u => u.Otlp.Purge(Now - 500, 10, 100)) > 0) { }

        deleted.Should().BeGreaterThan(0);
        Reads.Spans(new SpanFilter(null, null, null, null, 10)).Items.Select(s => s.SpanId).Should().Equal("d");
    }
}
