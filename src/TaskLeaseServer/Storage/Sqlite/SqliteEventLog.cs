using Dapper;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// SQLite has one writer and assigns event ids inside its transactions in order, and a reader sees
/// whole commits: once an id is visible, every lower id that will ever exist is visible too. The
/// largest visible id is the horizon; there is never a gap to wait for.
/// </summary>
internal sealed class SqliteEventLog(SqliteDatabase database) : IEventLog
{
    public EventHorizon Advance()
    {
        using var db = database.OpenRead();
        return new EventHorizon(db.ExecuteScalar<long?>("SELECT MAX(id) FROM events") ?? 0, GapPending: false);
    }

    /// <summary>Ids are assigned in commit order here: every read starts from the end anyway.</summary>
    public void Rest()
    {
    }
}
