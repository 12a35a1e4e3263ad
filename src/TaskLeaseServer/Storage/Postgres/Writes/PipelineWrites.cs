using Dapper;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Postgres.Writes;

internal sealed class PipelineWrites(PostgresWriteUnit unit, PipelineCatalog catalog) : IPipelineWrites
{
    public bool TryInsert(string id, string name, string definitionJson, PipelineDefinition definition)
    {
        var inserted = unit.Db.Execute("""
            INSERT INTO pipelines (id, name, definition_json, created_at_ms) VALUES (@id, @name, @definitionJson, @now)
            ON CONFLICT (name) DO NOTHING
            """, new { id, name, definitionJson, now = unit.Now });
        if (inserted == 0) return false;
        foreach (var stage in definition.Stages)
        {
            unit.Db.Execute(
                "INSERT INTO pipeline_stage_roles (pipeline_id, stage, agent_role, terminal) VALUES (@id, @Name, @AgentRole, @Terminal)",
                new { id, stage.Name, stage.AgentRole, stage.Terminal });
        }
        return true;
    }

    public PipelineDefinition? Definition(string pipelineId) => catalog.Find(pipelineId, DefinitionJson);

    private string? DefinitionJson(string pipelineId) =>
        unit.Db.QuerySingleOrDefault<string>("SELECT definition_json FROM pipelines WHERE id = @pipelineId", new { pipelineId });
}
