using System.Collections.Concurrent;
using System.Text.Json;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Ui;

/// <summary>Parsed pipeline definitions for the pages; pipelines never change, so each is parsed once.</summary>
public static class Definitions
{
    private static readonly ConcurrentDictionary<string, PipelineDefinition> Parsed = new(StringComparer.Ordinal);

    public static PipelineDefinition Of(PipelineRow pipeline) =>
        Parsed.GetOrAdd(pipeline.Id, _ =>
        {
            using var doc = JsonDocument.Parse(pipeline.DefinitionJson);
            return PipelineDefinition.Parse(doc.RootElement);
        });
}
