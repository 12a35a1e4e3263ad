using System.Data;
using Dapper;
using Npgsql;

namespace TaskLeaseServer.Storage.Postgres.Reads;

/// <summary>
/// The read side on the engine's pool. A single statement sees one snapshot by itself; reads made
/// of several statements run in one REPEATABLE READ READ ONLY transaction, so they never mix
/// states from before and after a commit. An unreachable database is the 503 request error.
/// Split by resource over the files of this folder.
/// </summary>
internal sealed partial class PostgresReads(NpgsqlDataSource dataSource, PipelineCatalog catalog) : IReads
{
    private T Read<T>(Func<NpgsqlConnection, T> read) => PostgresErrors.Guard(() =>
    {
        using var db = dataSource.OpenConnection();
        return read(db);
    });

    private T Snapshot<T>(Func<NpgsqlConnection, T> read) => PostgresErrors.Guard(() =>
    {
        using var db = dataSource.OpenConnection();
        using var transaction = db.BeginTransaction(IsolationLevel.RepeatableRead);
        db.Execute("SET TRANSACTION READ ONLY");
        var result = read(db);
        transaction.Commit();
        return result;
    });


    public IReadOnlyList<PipelineRow> Pipelines() => Read(db =>
        db.Query<PipelineRow>("SELECT id, name, definition_json, created_at_ms FROM pipelines ORDER BY created_at_ms DESC, id").AsList());

    public PipelineRow? Pipeline(string id) => Read(db =>
        db.QuerySingleOrDefault<PipelineRow>("SELECT id, name, definition_json, created_at_ms FROM pipelines WHERE id = @id", new { id }));

    public StoredResponse? Idempotent(IdempotencyScope scope) => Read(db => Writes.IdempotencySql.Find(db, scope));
}
