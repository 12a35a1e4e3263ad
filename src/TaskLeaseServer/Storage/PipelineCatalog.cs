using System.Collections.Concurrent;
using System.Text.Json;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage;

/// <summary>
/// Parsed pipeline definitions, cached for the life of the process: pipelines are immutable, so a
/// definition read once never changes. The engine passes the loader, so a unit sees a pipeline
/// created earlier in its own transaction. A miss is not cached (the pipeline may be created later).
/// </summary>
public sealed class PipelineCatalog
{
    private readonly ConcurrentDictionary<string, PipelineDefinition> _definitions = new(StringComparer.Ordinal);

    /// <param name="loadJson">reads a pipeline's definition_json, or null when there is none</param>
    public PipelineDefinition? Find(string pipelineId, Func<string, string?> loadJson)
    {
        if (_definitions.TryGetValue(pipelineId, out var cached)) return cached;
        if (loadJson(pipelineId) is not { } json) return null;
        using var doc = JsonDocument.Parse(json);
        return _definitions.GetOrAdd(pipelineId, PipelineDefinition.Parse(doc.RootElement));
    }
}
