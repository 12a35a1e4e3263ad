using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Postgres;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Postgres;

/// <summary>A database nobody answers for is a 503 with the error envelope, for writes and reads alike, never a 500.</summary>
public sealed class UnavailableFacts
{
    private static string Nowhere()
    {
        // A loopback port that was free a moment ago: connecting is refused at once.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return $"postgresql://u:p@127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/db?connect_timeout=2";
    }

    [Fact]
    public async Task AWrite_ToADatabaseThatIsDown_IsStorageUnavailable()
    {
        using var engine = new PostgresEngine(new StorageOptions(Nowhere()), new CommitSignal(), TimeProvider.System);

        var write = () => engine.Writer.Run(u => { u.Kv.Put("ns", "k", "1"); return true; });

        (await write.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.StorageUnavailable);
    }

    [Fact]
    public void AReadFromADatabaseThatIsDown_IsStorageUnavailable()
    {
        using var engine = new PostgresEngine(new StorageOptions(Nowhere()), new CommitSignal(), TimeProvider.System);

        var read = () => engine.Reads.KvGet("ns", "k");

        read.Should().Throw<DomainError>().Which.Fault.Should().Be(Fault.StorageUnavailable);
    }

    [Fact]
    public void StorageUnavailable_Is503Unavailable() => ErrorTable.Of(Fault.StorageUnavailable).Should().Be((503, "unavailable"));
}
