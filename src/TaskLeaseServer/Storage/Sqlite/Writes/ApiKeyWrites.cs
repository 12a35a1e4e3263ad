using Dapper;

namespace TaskLeaseServer.Storage.Sqlite.Writes;

internal sealed class ApiKeyWrites(SqliteWriteUnit unit) : IApiKeyWrites
{
    public bool TryInsert(ApiKeyRow key) =>
        unit.Db.Execute("""
            INSERT INTO api_keys (id, name, scopes, key_hash, created_at_ms, expires_at_ms, last_used_at_ms)
            VALUES (@Id, @Name, @Scopes, @KeyHash, @CreatedAtMs, @ExpiresAtMs, NULL)
            ON CONFLICT (name) DO NOTHING
            """, key) == 1;

    public bool Delete(string id) => unit.Db.Execute("DELETE FROM api_keys WHERE id = @id", new { id }) == 1;

    public void Touch(string id, long usedAtMs) =>
        unit.Db.Execute("""
            UPDATE api_keys SET last_used_at_ms = @usedAtMs
            WHERE id = @id AND (last_used_at_ms IS NULL OR last_used_at_ms < @usedAtMs)
            """, new { id, usedAtMs });
}
