using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// A statement prepared once on the writer's connection and bound by position straight through
/// SQLitePCL. Microsoft.Data.Sqlite binds every parameter by name on every execution (a UTF-8
/// conversion and a name lookup each); for the bulk insert, 15 parameters per task, that was
/// ~10-14 µs of a ~48 µs row (docs/benchmarks.md). Only for statements run many times per unit;
/// finalized when the writer's connection is disposed. Writer thread only.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        var rc = raw.sqlite3_prepare_v2(_db, sql, out _statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public RawStatement Text(int index, string? value) =>
        Checked(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text(_statement, index, value));

    public RawStatement Integer(int index, long? value) =>
        Checked(value is { } v ? raw.sqlite3_bind_int64(_statement, index, v) : raw.sqlite3_bind_null(_statement, index));

    /// <summary>Runs a statement that returns no rows, and resets it for the next binding.</summary>
    public void Execute()
    {
        var rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    /// <summary>The rowid of the connection's last insert.</summary>
    public long LastRowId => raw.sqlite3_last_insert_rowid(_db);

    private RawStatement Checked(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
        return this;
    }

    public void Dispose() => _statement.Dispose();
}
