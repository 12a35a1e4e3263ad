using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// The database file: opens pooled read connections (WAL lets them run beside the writer) and the
/// single writer connection, and applies migrations at start-up.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    /// <summary>
    /// The writer's page cache (default 2 MiB). Creating tasks inserts into the random-UUID primary key
    /// index, whose pages a 2 MiB cache re-reads from the OS on almost every insert once the backlog is
    /// large; 32 MiB keeps a million-task index's upper levels and recent leaves resident and stays
    /// well inside the 250 MB RSS budget (issue 5).
    /// </summary>
    private const int WriterCacheKib = 32 * 1024;

    // Checkpoints are the background WalCheckpointer's job, off the writer's thread; the writer's own
    // auto-checkpoint (default every 1,000 pages) stays only as a backstop at 16,384 pages (64 MiB),
    // and journal_size_limit trims the WAL file back to 64 MiB after a checkpoint. Durability is
    // unchanged: commits go to the WAL exactly as before (issue 5, docs/benchmarks.md).

    private readonly string _connectionString;

    // Keeps a ":memory:" database alive: it lives as long as one connection to it is open.
    private readonly SqliteConnection? _memoryKeeper;

    // Held for the life of the process, so a second server on the same file refuses to start.
    // None for ":memory:" (private to this process) and "file:" URIs (SQLite resolves those).
    private readonly DatabaseFileLock? _lock;

    public SqliteDatabase(StorageOptions options)
    {
        Options = options;
        var source = options.Path;
        if (source == ":memory:")
        {
            // The writer and the readers are separate connections, so they share one named in-memory database.
            source = $"file:tls-memory-{Guid.NewGuid():N}?mode=memory&cache=shared";
        }
        else if (!source.StartsWith("file:", StringComparison.Ordinal))
        {
            var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(source));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            _lock = DatabaseFileLock.Acquire(System.IO.Path.GetFullPath(source));
        }
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = source,
            Pooling = true,
            DefaultTimeout = 5,
        }.ToString();
        if (options.Path == ":memory:") _memoryKeeper = OpenRead();
    }

    public StorageOptions Options { get; }

    /// <summary>A connection for reads; dispose it to return it to the pool.</summary>
    public SqliteConnection OpenRead()
    {
        var db = new SqliteConnection(_connectionString);
        db.Open();
        return db;
    }

    /// <summary>The writer's own connection; only <see cref="WriteQueue"/> and start-up use it.</summary>
    internal SqliteConnection OpenWriter()
    {
        var db = new StatementCachingConnection(_connectionString);
        db.Open();
        Execute(db, $"""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = {(Options.SynchronousFull ? "FULL" : "NORMAL")};
            PRAGMA foreign_keys = ON;
            PRAGMA busy_timeout = 5000;
            PRAGMA temp_store = MEMORY;
            PRAGMA cache_size = -{WriterCacheKib};
            PRAGMA wal_autocheckpoint = 16384;
            PRAGMA journal_size_limit = 67108864;
            """);
        return db;
    }

    /// <summary>Runs after the writer has drained and closed (it was created after this), so the lock outlives every write.</summary>
    public void Dispose()
    {
        _memoryKeeper?.Dispose();
        _lock?.Dispose();
    }

    public void Migrate()
    {
        using var db = OpenWriter();
        Migrator.Apply(db);
    }

    internal static void Execute(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

