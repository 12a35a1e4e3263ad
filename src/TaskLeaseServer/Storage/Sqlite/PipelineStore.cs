using Dapper;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>Pipelines and the role index derived from them (CONTRACT §7.1-7.2).</summary>
public sealed class PipelineStore(SqliteDatabase database)
{
    public string Create(WriteContext ctx, string name, string definitionJson, PipelineDefinition definition)
    {
        if (ctx.Db.ExecuteScalar<long>("SELECT COUNT(*) FROM pipelines WHERE name = @name", new { name }) > 0)
            throw new ApiError(409, "duplicate_name", $"a pipeline named \"{name}\" already exists; pipeline names are unique");

        var id = Ids.New();
        ctx.Db.Execute(
            "INSERT INTO pipelines (id, name, definition_json, created_at_ms) VALUES (@id, @name, @definitionJson, @now)",
            new { id, name, definitionJson, now = ctx.Now });
        foreach (var stage in definition.Stages)
        {
            ctx.Db.Execute(
                "INSERT INTO pipeline_stage_roles (pipeline_id, stage, agent_role, terminal) VALUES (@id, @Name, @AgentRole, @Terminal)",
                new { id, stage.Name, stage.AgentRole, stage.Terminal });
        }
        return id;
    }

    public IReadOnlyList<PipelineRow> List()
    {
        using var db = database.OpenRead();
        return db.Query<PipelineRow>(
            "SELECT id, name, definition_json, created_at_ms FROM pipelines ORDER BY created_at_ms DESC, id").AsList();
    }

    public PipelineRow? Find(string id)
    {
        using var db = database.OpenRead();
        return db.QuerySingleOrDefault<PipelineRow>(
            "SELECT id, name, definition_json, created_at_ms FROM pipelines WHERE id = @id", new { id });
    }
}
