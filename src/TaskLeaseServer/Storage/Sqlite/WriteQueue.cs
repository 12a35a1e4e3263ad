using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// SQLite has one writer, so the process has one: a dedicated thread owns the writer connection
/// and drains a queue of units of work. Units that arrive together share one transaction (group
/// commit); each runs in its own savepoint, so a failing unit is rolled back alone, and every
/// caller is answered only after the commit that holds its effect. A batch of one unit needs no
/// savepoint: if it fails, the whole transaction is rolled back instead.
/// </summary>
internal sealed class WriteQueue : IWriteExecutor, IDisposable
{
    private const int MaxBatch = 256;

    private readonly Channel<IUnit> _queue = Channel.CreateUnbounded<IUnit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _db;
    private readonly SqliteWriteUnit _unit;
    private readonly CommitSignal _signal;
    private readonly TimeProvider _time;
    private readonly Thread _thread;
    private long _queued;
    private int _disposed;
    // The statements every batch runs, prepared once: re-parsing them per unit was measurable (issue 5).
    private readonly SqliteCommand _begin, _savepoint, _release, _rollbackUnit, _commit, _rollback;

    public WriteQueue(SqliteDatabase database, PipelineCatalog catalog, CommitSignal signal, TimeProvider time)
    {
        _db = database.OpenWriter();
        _unit = new SqliteWriteUnit(_db, catalog);
        _signal = signal;
        _time = time;
        _begin = Prepared("BEGIN IMMEDIATE");
        _savepoint = Prepared("SAVEPOINT unit");
        _release = Prepared("RELEASE unit");
        _rollbackUnit = Prepared("ROLLBACK TO unit");
        _commit = Prepared("COMMIT");
        _rollback = Prepared("ROLLBACK");
        _thread = new Thread(Drain) { IsBackground = true, Name = "sqlite-writer" };
        _thread.Start();
    }

    public long Queued => Interlocked.Read(ref _queued);

    public Task<T> Run<T>(Func<IWriteUnit, T> work)
    {
        var unit = new Unit<T>(work);
        if (!_queue.Writer.TryWrite(unit)) throw new InvalidOperationException("the writer has shut down");
        Interlocked.Increment(ref _queued);
        return unit.Completion.Task;
    }

    private void Drain()
    {
        var batch = new List<IUnit>(MaxBatch);
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var unit)) batch.Add(unit);
            Interlocked.Add(ref _queued, -batch.Count);
            CommitBatch(batch);
            batch.Clear();
        }
    }

    private void CommitBatch(List<IUnit> batch)
    {
        var alone = batch.Count == 1;
        try
        {
            _begin.ExecuteNonQuery();
            foreach (var unit in batch)
            {
                if (!alone) _savepoint.ExecuteNonQuery();
                _unit.Begin(_time.GetUtcNow().ToUnixTimeMilliseconds());
                var stands = unit.Run(_unit);
                unit.Notice = stands ? _unit.Notice.Take() : null;
                if (alone) continue;
                if (!stands) _rollbackUnit.ExecuteNonQuery();
                _release.ExecuteNonQuery();
            }
            if (alone && batch[0].Failed) _rollback.ExecuteNonQuery();
            else _commit.ExecuteNonQuery();
        }
        catch (Exception e)
        {
            // The commit itself failed (disk full, I/O error): nothing of the batch is durable.
            if (!_db.AutoCommitMode()) TryExecute("ROLLBACK");
            foreach (var unit in batch) unit.Abort(e);
            return;
        }
        foreach (var unit in batch)
        {
            if (unit.Notice is { } notice) _signal.Deliver(notice);
            unit.Complete();
        }
    }

    private SqliteCommand Prepared(string sql)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        command.Prepare();
        return command;
    }

    private void TryExecute(string sql)
    {
        try { SqliteDatabase.Execute(_db, sql); }
        catch (SqliteException) { /* already rolled back by SQLite */ }
    }

    /// <summary>Stops taking work, finishes what is queued, checkpoints the WAL and closes (once).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _queue.Writer.TryComplete();
        _thread.Join();
        TryExecute("PRAGMA wal_checkpoint(TRUNCATE)");
        foreach (var command in new[] { _begin, _savepoint, _release, _rollbackUnit, _commit, _rollback }) command.Dispose();
        _db.Dispose();
    }

    private interface IUnit
    {
        /// <summary>Runs the work; false when it threw and its writes must be undone.</summary>
        bool Run(SqliteWriteUnit unit);
        bool Failed { get; }
        CommitNotice? Notice { get; set; }
        void Complete();
        void Abort(Exception error);
    }

    private sealed class Unit<T>(Func<IWriteUnit, T> work) : IUnit
    {
        private T? _result;
        private Exception? _error;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Failed => _error is not null;
        public CommitNotice? Notice { get; set; }

        public bool Run(SqliteWriteUnit unit)
        {
            try
            {
                _result = work(unit);
                return true;
            }
            catch (Exception e)
            {
                _error = e;
                return false;
            }
        }

        public void Complete()
        {
            if (_error is null) Completion.TrySetResult(_result!);
            else Completion.TrySetException(_error);
        }

        public void Abort(Exception error) => Completion.TrySetException(_error ?? error);
    }
}

internal static class SqliteConnectionExtensions
{
    /// <summary>True when no transaction is open on the connection.</summary>
    public static bool AutoCommitMode(this SqliteConnection db) =>
        SQLitePCL.raw.sqlite3_get_autocommit(db.Handle) != 0;
}
