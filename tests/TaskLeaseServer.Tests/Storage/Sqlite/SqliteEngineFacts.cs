using FluentAssertions;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Sqlite;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Sqlite;

/// <summary>What only the SQLite engine has: in-memory databases and file URIs.</summary>
public sealed class SqliteEngineFacts
{
    [Fact]
    public async Task AMemoryDatabase_IsSharedByTheWriterAndTheReaders()
    {
        using var engine = new SqliteEngine(new StorageOptions(":memory:"), new CommitSignal(), TimeProvider.System);
        engine.Migrate();
        await engine.Writer.Run(unit =>
        {
            unit.Kv.Put("ns", "k", "7");
            return true;
        });
        engine.Reads.KvGet("ns", "k")!.ValueJson.Should().Be("7");
        File.Exists(":memory:").Should().BeFalse();
    }
}
