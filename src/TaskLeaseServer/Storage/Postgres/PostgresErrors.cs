using Npgsql;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Postgres;

/// <summary>What a failure of the database means for the request that met it.</summary>
internal static class PostgresErrors
{
    /// <summary>40001 and 40P01: the unit lost a race PostgreSQL detected; running it again is safe.</summary>
    public static bool IsRetryable(Exception e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected };

    /// <summary>
    /// The database cannot be reached or is going away (connection refused or lost, shutting down,
    /// too many connections, pool exhausted): an answer of 503, not a bug of the request.
    /// </summary>
    public static bool IsUnavailable(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) ||
            pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState.StartsWith("53", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException,
        TimeoutException => true,
        _ => false,
    };

    /// <summary>The request error to answer with instead of <paramref name="e"/>, or null to let it go on.</summary>
    public static DomainError? Translate(Exception e) => e switch
    {
        _ when IsUnavailable(e) =>
            new DomainError(Fault.StorageUnavailable, "the database is unavailable; retry shortly (an Idempotency-Key makes the retry safe)"),
        // 22021 / 22P05: a NUL character (or \u0000 in JSON the database parses), which PostgreSQL text cannot hold.
        PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter } =>
            new DomainError(Fault.UnstorableText, "text containing the NUL character (\\u0000) cannot be stored in this server's PostgreSQL database"),
        _ => null,
    };

    /// <summary>Runs a read, turning an unreachable database into the 503 request error.</summary>
    public static T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (Translate(e) is { } unavailable)
        {
            throw unavailable;
        }
    }
}
