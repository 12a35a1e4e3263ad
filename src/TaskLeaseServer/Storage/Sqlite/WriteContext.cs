using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// What one unit of work sees inside the writer: the writer connection, already inside a
/// transaction, and the clock reading ("now", Unix ms) that the whole unit uses.
/// </summary>
public sealed class WriteContext(SqliteConnection db, long now)
{
    public SqliteConnection Db { get; } = db;
    public long Now { get; } = now;

    /// <summary>
    /// Runs <paramref name="work"/> in a nested savepoint: if it throws <typeparamref name="TError"/>,
    /// its writes are undone and <paramref name="onError"/> answers instead, while the enclosing unit
    /// goes on (and can still record that answer).
    /// </summary>
    public T Atomically<T, TError>(Func<T> work, Func<TError, T> onError) where TError : Exception
    {
        SqliteDatabase.Execute(Db, "SAVEPOINT effect");
        try
        {
            var result = work();
            SqliteDatabase.Execute(Db, "RELEASE effect");
            return result;
        }
        catch (TError e)
        {
            SqliteDatabase.Execute(Db, "ROLLBACK TO effect; RELEASE effect");
            return onError(e);
        }
    }
}
