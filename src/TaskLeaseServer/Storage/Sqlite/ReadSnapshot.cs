using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// A read transaction: every statement until disposal sees the same WAL snapshot, so a read made
/// of several queries (task details, health, ops) never mixes states from before and after a
/// commit of the writer.
/// </summary>
public sealed class ReadSnapshot : IDisposable
{
    private readonly SqliteConnection _db;

    private ReadSnapshot(SqliteConnection db) => _db = db;

    public static ReadSnapshot Begin(SqliteConnection db)
    {
        SqliteDatabase.Execute(db, "BEGIN");
        return new ReadSnapshot(db);
    }

    public void Dispose() => SqliteDatabase.Execute(_db, "COMMIT");
}
