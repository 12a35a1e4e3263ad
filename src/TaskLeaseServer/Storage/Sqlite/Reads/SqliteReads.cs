using Dapper;
using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite.Reads;

/// <summary>
/// The read side on pooled connections: WAL lets them run beside the writer without waiting. Reads
/// made of several queries run in one read transaction, so they see one snapshot. Split by
/// resource over the files of this folder.
/// </summary>
internal sealed partial class SqliteReads(SqliteDatabase database, PipelineCatalog catalog) : IReads
{
    private SqliteConnection Open() => database.OpenRead();


    public IReadOnlyList<PipelineRow> Pipelines()
    {
        using var db = Open();
        return db.Query<PipelineRow>(
            "SELECT id, name, definition_json, created_at_ms FROM pipelines ORDER BY created_at_ms DESC, id").AsList();
    }

    public PipelineRow? Pipeline(string id)
    {
        using var db = Open();
        return db.QuerySingleOrDefault<PipelineRow>(
            "SELECT id, name, definition_json, created_at_ms FROM pipelines WHERE id = @id", new { id });
    }

    public StoredResponse? Idempotent(IdempotencyScope scope)
    {
        using var db = Open();
        return Writes.IdempotencySql.Find(db, scope);
    }
}
