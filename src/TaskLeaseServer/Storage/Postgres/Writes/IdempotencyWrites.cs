using Dapper;

namespace TaskLeaseServer.Storage.Postgres.Writes;

/// <summary>Idempotency records, written in the same transaction as the effect they describe.</summary>
internal sealed class IdempotencyWrites(PostgresWriteUnit unit) : IIdempotencyWrites
{
    /// <summary>
    /// A transaction lock on the scope: a second request with the key, on any node, waits here
    /// until the first commits, then finds its record. Without it both would find nothing and both
    /// run the effect (the second record would merely lose the insert).
    /// </summary>
    public void Serialize(IdempotencyScope scope) =>
        unit.Db.Execute("SELECT pg_advisory_xact_lock(hashtextextended(@lockKey, 0))", new
        {
            lockKey = string.Join('\n', "tls:idem", scope.Key, scope.Method, scope.Path, Convert.ToHexString(scope.CredentialHash)),
        });

    public StoredResponse? Find(IdempotencyScope scope) => IdempotencySql.Find(unit.Db, scope);

    public void Record(IdempotencyScope scope, int status, byte[] body) =>
        unit.Db.Execute("""
            INSERT INTO idempotency_keys (key, method, path, credential_hash, request_hash, response_status, response_body, created_at_ms)
            VALUES (@Key, @Method, @Path, @CredentialHash, @RequestHash, @status, @body, @now)
            ON CONFLICT DO NOTHING
            """, new { scope.Key, scope.Method, scope.Path, scope.CredentialHash, scope.RequestHash, status, body, now = unit.Now });

    public int Purge(long olderThanMs) =>
        unit.Db.Execute("DELETE FROM idempotency_keys WHERE created_at_ms < @olderThanMs", new { olderThanMs });
}

internal static class IdempotencySql
{
    public static StoredResponse? Find(System.Data.IDbConnection db, IdempotencyScope scope) =>
        db.QuerySingleOrDefault<StoredResponse>("""
            SELECT request_hash AS RequestHash, response_status AS Status, response_body AS Body FROM idempotency_keys
            WHERE key = @Key AND method = @Method AND path = @Path AND credential_hash = @CredentialHash
            """, scope);
}
