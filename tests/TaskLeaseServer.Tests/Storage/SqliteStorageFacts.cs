using Microsoft.Data.Sqlite;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Sqlite;

namespace TaskLeaseServer.Tests.Storage;

/// <summary>The storage fact suite on the SQLite engine, each fact on a fresh file of its own.</summary>
public sealed class SqliteStorageFacts : StorageFacts
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tls-facts-").FullName;

    protected override IStorageEngine CreateEngine(CommitSignal signal, TimeProvider time) =>
        new SqliteEngine(new StorageOptions(Path.Combine(_dir, "facts.db")), signal, time);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* best effort */ }
    }
}
