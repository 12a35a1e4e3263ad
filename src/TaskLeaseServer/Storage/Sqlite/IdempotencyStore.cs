using Dapper;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>The scope of an Idempotency-Key (CONTRACT §4), bound to the caller's credential (W9).</summary>
public sealed record IdempotencyScope(string Key, string Method, string Path, byte[] CredentialHash, byte[] RequestHash);

public sealed class StoredResponse
{
    public byte[] RequestHash { get; set; } = [];
    public long Status { get; set; }
    public byte[] Body { get; set; } = [];
}

/// <summary>Idempotency records, written in the same transaction as the effect they describe.</summary>
public sealed class IdempotencyStore(SqliteDatabase database)
{
    public StoredResponse? Find(IdempotencyScope scope)
    {
        using var db = database.OpenRead();
        return Find(db, scope);
    }

    public static StoredResponse? Find(Microsoft.Data.Sqlite.SqliteConnection db, IdempotencyScope scope) =>
        db.QuerySingleOrDefault<StoredResponse>("""
            SELECT request_hash AS RequestHash, response_status AS Status, response_body AS Body FROM idempotency_keys
            WHERE key = @Key AND method = @Method AND path = @Path AND credential_hash = @CredentialHash
            """, scope);

    public static void Record(WriteContext ctx, IdempotencyScope scope, int status, byte[] body) =>
        ctx.Db.Execute("""
            INSERT INTO idempotency_keys (key, method, path, credential_hash, request_hash, response_status, response_body, created_at_ms)
            VALUES (@Key, @Method, @Path, @CredentialHash, @RequestHash, @status, @body, @now)
            ON CONFLICT DO NOTHING
            """, new { scope.Key, scope.Method, scope.Path, scope.CredentialHash, scope.RequestHash, status, body, now = ctx.Now });

    /// <summary>Forgets records older than the retention window; returns how many.</summary>
    public static int Purge(WriteContext ctx, long olderThanMs) =>
        ctx.Db.Execute("DELETE FROM idempotency_keys WHERE created_at_ms < @olderThanMs", new { olderThanMs });
}
