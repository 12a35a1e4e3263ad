using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Postgres;
using TaskLeaseServer.Tests.Support;

namespace TaskLeaseServer.Tests.Storage;

/// <summary>The storage fact suite on the PostgreSQL engine, each fact on a fresh database of its own.</summary>
public sealed class PostgresStorageFacts : StorageFacts
{
    private readonly string _url = PostgresCluster.NewDatabase();

    protected override IStorageEngine CreateEngine(CommitSignal signal, TimeProvider time) =>
        new PostgresEngine(new StorageOptions(_url), signal, time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        PostgresCluster.DropDatabase(_url);
    }
}
