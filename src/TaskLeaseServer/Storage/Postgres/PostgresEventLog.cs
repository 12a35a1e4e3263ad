using System.Data;
using System.Globalization;
using Dapper;
using Npgsql;

namespace TaskLeaseServer.Storage.Postgres;

/// <summary>
/// The event horizon on PostgreSQL, where a sequence hands out ids in call order, not commit order:
/// transaction T1 may take id 7, T2 id 8, and T2 commit first. A reader that delivered 8 and moved on
/// would lose 7 for good. So ids are delivered only up to the horizon: the highest id below which
/// every id is either visible or known never to commit.
///
/// A missing id g below a visible id was taken (sequence CACHE 1: in call order) by a transaction
/// that had taken its transaction id before (every event insert makes sure, Writes/RunWrites), so
/// before the snapshot that saw the gap, so that transaction id is below any transaction id assigned
/// after that snapshot (<see cref="NextXid"/>; not the snapshot's xmax, which is only the latest
/// completed id + 1: a running transaction may hold a higher one). Once a later snapshot's xmin
/// reaches that bound, every such transaction has ended: an id still missing then was rolled back
/// and is skipped. A snapshot is taken per call in one REPEATABLE READ
/// transaction on a pooled connection, held for the two statements only. Callers serialise calls.
/// </summary>
internal sealed class PostgresEventLog(NpgsqlDataSource dataSource) : IEventLog
{
    private const int Scan = 10_000;

    private long _horizon;
    private bool _started;
    // The gap seen last: ids missing up to _gapUpTo stay unknown until xmin reaches _gapXmax.
    private long? _gapUpTo;
    private long _gapXmax;

    public EventHorizon Advance() => PostgresErrors.Guard(() =>
    {
        if (!_started) Start();
        var (xmin, _, ids) = Read(db => db.Query<long>("SELECT id FROM events WHERE id > @after ORDER BY id LIMIT @take",
            new { after = _horizon, take = Scan }).AsList());
        return Walk(ids, xmin);
    });

    /// <summary>
    /// A node starts at the largest visible id once every transaction running when it looked has
    /// ended (then no lower id can still appear), instead of scanning the whole log for gaps. A
    /// transaction held open longer than <see cref="StartPatience"/> is not waited for (logged by the caller's failure path).
    /// </summary>
    /// <summary>The next <see cref="Advance"/> starts afresh at the log's end (<see cref="Start"/>), not by scanning what nobody followed.</summary>
    public void Rest()
    {
        _started = false;
        _gapUpTo = null;
    }

    private void Start()
    {
        var (_, _, max) = Read(db => db.ExecuteScalar<long?>("SELECT MAX(id) FROM events") ?? 0);
        var startXmax = NextXid();
        var deadline = Environment.TickCount64 + (long)StartPatience.TotalMilliseconds;
        while (Read(_ => 0).Xmin < startXmax && Environment.TickCount64 < deadline) Thread.Sleep(5);
        _horizon = max;
        _started = true;
    }

    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(5);

    private (long Xmin, long Xmax, T Result) Read<T>(Func<NpgsqlConnection, T> read)
    {
        using var db = dataSource.OpenConnection();
        using var transaction = db.BeginTransaction(IsolationLevel.RepeatableRead);
        var (xmin, xmax) = db.QuerySingle<(string, string)>(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text, pg_snapshot_xmax(pg_current_snapshot())::text");
        var result = read(db);
        transaction.Commit();
        return (long.Parse(xmin, CultureInfo.InvariantCulture), long.Parse(xmax, CultureInfo.InvariantCulture), result);
    }

    /// <summary>
    /// A transaction id assigned now (a one-statement transaction of its own): every transaction
    /// that took its id before this call has an id below it. Taken only when a gap is first seen.
    /// </summary>
    private long NextXid()
    {
        using var db = dataSource.OpenConnection();
        return long.Parse(db.ExecuteScalar<string>("SELECT pg_current_xact_id()::text")!, CultureInfo.InvariantCulture);
    }

    private EventHorizon Walk(List<long> ids, long xmin)
    {
        var deadThrough = _horizon;
        if (_gapUpTo is { } upTo && xmin >= _gapXmax)
        {
            deadThrough = upTo;
            _gapUpTo = null;
        }
        var next = _horizon + 1;
        var gap = false;
        foreach (var id in ids)
        {
            if (id > next && next <= deadThrough) next = Math.Min(id, deadThrough + 1);
            if (id > next)
            {
                gap = true;
                break;
            }
            _horizon = id;
            next = id + 1;
        }
        // Rolled-back ids at the top, up to the last id seen at the gap, are settled too.
        if (!gap && deadThrough > _horizon && ids.Count < Scan) _horizon = deadThrough;
        if (gap && _gapUpTo is null)
        {
            _gapUpTo = ids[^1];
            _gapXmax = NextXid();
        }
        return new EventHorizon(_horizon, gap || _gapUpTo is not null);
    }
}
