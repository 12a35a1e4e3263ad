using System.Data;
using Dapper;
using Npgsql;
using TaskLeaseServer.Storage.Postgres.Notify;

namespace TaskLeaseServer.Storage.Postgres;

/// <summary>
/// Each unit is one transaction on a pooled connection, committed before its caller is answered.
/// No batching across requests: PostgreSQL already shares WAL flushes among concurrent commits,
/// and one transaction per unit keeps unrelated requests' locks and aborts apart. READ COMMITTED
/// plus explicit locks where a unit's reads decide its writes (see the Writes); a unit that loses a
/// race PostgreSQL detects (serialization failure, deadlock) is run again from the start, so units
/// must be re-runnable, as they are: ids and tokens are minted inside them.
/// </summary>
internal sealed class PostgresExecutor(NpgsqlDataSource dataSource, PipelineCatalog catalog, CommitSignal signal,
    TimeProvider time, int slots, TimeSpan slotTimeout, string node) : IWriteExecutor
{
    private const int Attempts = 4;

    // Units wait here, asynchronously, instead of inside the pool: a unit holds a connection for its
    // whole run, and a waiting request should hold no thread.
    private readonly SemaphoreSlim _slots = new(slots, slots);
    private long _queued;

    // Units block a pool thread for their whole run (Dapper is synchronous here), up to a statement
    // timeout when a lock or the database holds them. With the pool's default minimum (one thread
    // per core) and its slow injection, 32 stuck units starved everything else, the timers that
    // bound the waits included, for tens of seconds. One thread per slot is kept ready.
    private readonly bool _threads = EnsureThreads(slots);

    private static bool EnsureThreads(int slots)
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        var wanted = slots + Environment.ProcessorCount * 2;
        return workers >= wanted || ThreadPool.SetMinThreads(wanted, io);
    }

    public long Queued => Interlocked.Read(ref _queued);

    public async Task<T> Run<T>(Func<IWriteUnit, T> work)
    {
        Interlocked.Increment(ref _queued);
        // Bounded like the pool's own wait: every connection held by slow units (a lock held outside,
        // a database that stopped answering) is a 503 for the ones behind them, never a pile-up.
        var got = await _slots.WaitAsync(slotTimeout);
        Interlocked.Decrement(ref _queued);
        if (!got)
        {
            throw new Domain.DomainError(Domain.Fault.StorageUnavailable,
                $"all {slots} database connections of this node stayed busy for {slotTimeout.TotalSeconds:0} s; retry shortly (an Idempotency-Key makes the retry safe)");
        }
        try
        {
            // Dapper over Npgsql here is synchronous, like the units: run them off the caller's thread.
            return await Task.Run(() => RunWithRetries(work));
        }
        finally
        {
            _slots.Release();
        }
    }

    private T RunWithRetries<T>(Func<IWriteUnit, T> work)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return RunOnce(work);
            }
            catch (Exception e) when (PostgresErrors.IsRetryable(e) && attempt < Attempts)
            {
                // Lost a race PostgreSQL detected: everything was rolled back; go again.
            }
            catch (Exception e) when (PostgresErrors.Translate(e) is { } answer)
            {
                // A restarted database leaves every idle pooled connection dead: drop them all
                // now rather than fail one request per stale connection after it is back.
                if (answer.Fault == Domain.Fault.StorageUnavailable) dataSource.Clear();
                throw answer;
            }
        }
    }

    private T RunOnce<T>(Func<IWriteUnit, T> work)
    {
        using var db = dataSource.OpenConnection();
        using var transaction = db.BeginTransaction(IsolationLevel.ReadCommitted);
        var unit = new PostgresWriteUnit(db, catalog, time.GetUtcNow().ToUnixTimeMilliseconds());
        // A unit that throws is rolled back when the transaction is disposed without a commit.
        var result = work(unit);
        var notice = unit.Notice.Take();
        // NOTIFY inside the transaction: PostgreSQL delivers it to the other nodes after the commit, never for a rollback.
        if (!notice.IsEmpty)
        {
            db.Execute($"SELECT pg_notify('{NoticeWire.Channel}', p) FROM unnest(@payloads) p",
                new { payloads = NoticeWire.Encode(node, notice).ToArray() });
        }
        transaction.Commit();
        signal.Deliver(notice);
        return result;
    }
}
