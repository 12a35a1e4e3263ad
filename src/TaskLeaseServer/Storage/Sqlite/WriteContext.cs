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
}
