using System.Collections.Concurrent;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// Parsed pipeline definitions, cached for the life of the process: pipelines are immutable, so a
/// definition read once never changes (CONTRACT W6). Loads through whichever connection asks, so the
/// writer sees a pipeline created earlier in its own transaction.
/// </summary>
public sealed class PipelineCatalog
{
    private readonly ConcurrentDictionary<string, PipelineDefinition> _definitions = new(StringComparer.Ordinal);

    public PipelineDefinition? Find(SqliteConnection db, string pipelineId)
    {
        if (_definitions.TryGetValue(pipelineId, out var cached)) return cached;
        var json = db.QuerySingleOrDefault<string>("SELECT definition_json FROM pipelines WHERE id = @pipelineId", new { pipelineId });
        if (json is null) return null;
        using var doc = JsonDocument.Parse(json);
        var definition = PipelineDefinition.Parse(doc.RootElement);
        return _definitions.GetOrAdd(pipelineId, definition);
    }

    public PipelineDefinition Get(SqliteConnection db, string pipelineId) =>
        Find(db, pipelineId) ?? throw new InvalidOperationException($"pipeline {pipelineId} vanished");
}
