using Npgsql;
using TaskLeaseServer.Storage.Postgres.Reads;

namespace TaskLeaseServer.Storage.Postgres;

/// <summary>
/// The server-backed engine: one <see cref="NpgsqlDataSource"/> (one pool) per process, one
/// transaction per unit (<see cref="PostgresExecutor"/>), reads on the same pool. Several server
/// processes may share one database; every write that matters across them is fenced in its WHERE
/// or serialised by a row or advisory lock (Writes/).
/// </summary>
internal sealed class PostgresEngine : IStorageEngine
{
    /// <summary>Connections per process unless the URL's options say otherwise (units wait for a free one).</summary>
    public const int DefaultPoolSize = 32;

    // Rows map snake_case columns to PascalCase properties; Dapper caches a type's map on first use.
    static PostgresEngine() => Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;

    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresExecutor _writer;
    private readonly SweeperLock _sweeper;

    public PostgresEngine(StorageOptions options, ClaimSignal signal, TimeProvider time)
    {
        var builder = PostgresUrl.Parse(options.Db);
        Location = PostgresUrl.Redacted(builder);
        builder.MaxPoolSize = DefaultPoolSize;
        // Dapper sends ad-hoc commands; automatic preparation keeps the hot statements prepared per
        // physical connection. A client that went silent mid-transaction must not hold row locks.
        builder.MaxAutoPrepare = 64;
        builder.AutoPrepareMinUsages = 2;
        // synchronous_commit stays the server's (on by default): an answer follows a durable commit.
        builder.Options = "-c idle_in_transaction_session_timeout=30000";
        builder.ApplicationName ??= $"{Environment.MachineName}:{Environment.ProcessId}";
        _dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        var catalog = new PipelineCatalog();
        _writer = new PostgresExecutor(_dataSource, catalog, signal, time, DefaultPoolSize, TimeSpan.FromSeconds(builder.Timeout));
        Reads = new PostgresReads(_dataSource, catalog);
        _sweeper = new SweeperLock(builder);
    }

    public string Name => "postgresql";
    public string Location { get; }
    public NpgsqlDataSource DataSource => _dataSource;
    public IWriteExecutor Writer => _writer;
    public IReads Reads { get; }
    public ISweeperLeadership Sweeper => _sweeper;

    public void Migrate() => PostgresMigrator.Apply(_dataSource);

    public void Dispose()
    {
        _sweeper.Dispose();
        _dataSource.Dispose();
    }
}
