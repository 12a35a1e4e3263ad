using Dapper;

namespace TaskLeaseServer.Storage.Postgres.Writes;

/// <summary>The key/value store; each write stores its search vector beside the value (<see cref="SearchText"/>).</summary>
internal sealed class KvWrites(PostgresWriteUnit unit) : IKvWrites
{
    /// <summary>Insert, or replace the value keeping created_at_ms.</summary>
    public void Put(string ns, string key, string valueJson) =>
        unit.Db.Execute("""
            INSERT INTO store (namespace, key, value_json, created_at_ms, updated_at_ms, search)
            VALUES (@ns, @key, @valueJson, @now, @now, @search::tsvector)
            ON CONFLICT (namespace, key) DO UPDATE
              SET value_json = excluded.value_json, updated_at_ms = excluded.updated_at_ms, search = excluded.search
            """, new { ns, key, valueJson, now = unit.Now, search = SearchText.Vector(ns, key, valueJson) });

    public void Delete(string ns, string key) =>
        unit.Db.Execute("DELETE FROM store WHERE namespace = @ns AND key = @key", new { ns, key });

    public void DeleteNamespace(string ns) =>
        unit.Db.Execute("DELETE FROM store WHERE namespace = @ns", new { ns });
}
