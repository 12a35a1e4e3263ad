using TaskLeaseServer.Storage.Sqlite.Reads;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// The embedded engine: one database file, one writer thread with group commit (<see cref="WriteQueue"/>),
/// pooled readers beside it under WAL, and a background WAL checkpointer.
/// </summary>
internal sealed class SqliteEngine : IStorageEngine
{
    // Rows map snake_case columns to PascalCase properties. Dapper caches a type's map on first use,
    // so this must hold before any query of any engine instance runs.
    static SqliteEngine() => Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;

    private readonly SqliteDatabase _database;
    private readonly Lazy<WriteQueue> _writer;

    public SqliteEngine(StorageOptions options, ClaimSignal signal, TimeProvider time)
    {
        _database = new SqliteDatabase(options);
        var catalog = new PipelineCatalog();
        _writer = new Lazy<WriteQueue>(() => new WriteQueue(_database, catalog, signal, time));
        Reads = new SqliteReads(_database, catalog);
    }

    public string Name => "sqlite";
    public string Location => _database.Options.Path;
    public SqliteDatabase Database => _database;
    public IWriteExecutor Writer => _writer.Value;
    public IReads Reads { get; }
    public ISweeperLeadership Sweeper => SoleSweeper.Instance;

    public void Migrate() => _database.Migrate();

    public void Dispose()
    {
        if (_writer.IsValueCreated) _writer.Value.Dispose();
        _database.Dispose();
    }
}
