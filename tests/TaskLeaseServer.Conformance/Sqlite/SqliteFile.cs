using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Conformance.Sqlite;

/// <summary>Looks into a stopped server's SQLite file from outside (the one place this suite names SQLite).</summary>
public static class SqliteFile
{
    public static string? IntegrityCheck(string path)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using var check = db.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        return check.ExecuteScalar() as string;
    }

    public static bool WalIsEmpty(string path)
    {
        var wal = path + "-wal";
        return !File.Exists(wal) || new FileInfo(wal).Length == 0;
    }

    /// <summary>Holds the database's write lock from another process's point of view until disposed.</summary>
    public static IDisposable HoldWriteLock(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        var transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable, deferred: false);
        return new Held(connection, transaction);
    }

    private sealed class Held(SqliteConnection connection, SqliteTransaction transaction) : IDisposable
    {
        public void Dispose()
        {
            transaction.Rollback();
            transaction.Dispose();
            connection.Dispose();
        }
    }
}
