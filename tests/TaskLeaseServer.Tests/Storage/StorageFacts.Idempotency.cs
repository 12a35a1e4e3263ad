using System.Text;
using FluentAssertions;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// Idempotency records: the first answer recorded for a scope is the one that stays.
public abstract partial class StorageFacts
{
    private static IdempotencyScope Scope(string key = "key-1", string path = "/tasks", byte credential = 1) =>
        new(key, "POST", path, [credential, 2, 3], [9, 9, 9]);

    [Fact]
    public async Task RecordingTwice_KeepsTheFirstAnswer()
    {
        await Run(u => { u.Idempotency.Record(Scope(), 201, "first"u8.ToArray()); return true; });
        await Run(u => { u.Idempotency.Record(Scope() with { RequestHash = [1] }, 409, "second"u8.ToArray()); return true; });

        var found = await Run(u => u.Idempotency.Find(Scope()));

        found!.Status.Should().Be(201);
        Encoding.UTF8.GetString(found.Body).Should().Be("first");
        found.RequestHash.Should().Equal(9, 9, 9);
        Reads.Idempotent(Scope())!.Status.Should().Be(201);
    }

    [Fact]
    public async Task AScope_IsTheKeyMethodPathAndCredential()
    {
        await Run(u => { u.Idempotency.Record(Scope(), 201, [1]); return true; });

        (await Run(u => u.Idempotency.Find(Scope(key: "key-2")))).Should().BeNull();
        (await Run(u => u.Idempotency.Find(Scope(path: "/pipelines")))).Should().BeNull();
        (await Run(u => u.Idempotency.Find(Scope(credential: 7)))).Should().BeNull();
        (await Run(u => u.Idempotency.Find(Scope() with { Method = "PUT" }))).Should().BeNull();
        Reads.Idempotent(Scope(credential: 7)).Should().BeNull();
    }

    [Fact]
    public async Task TheRecord_LandsWithTheEffect_OrNotAtAll()
    {
        var failing = () => Run<bool>(u =>
        {
            u.Idempotency.Serialize(Scope());
            u.Kv.Put("ns", "effect", "1");
            u.Idempotency.Record(Scope(), 200, [1]);
            throw new InvalidOperationException("the effect failed after all");
        });

        await failing.Should().ThrowAsync<InvalidOperationException>();
        Reads.Idempotent(Scope()).Should().BeNull();
    }

    [Fact]
    public async Task APurge_RemovesOnlyRecordsOlderThanTheCutoff()
    {
        await Run(u => { u.Idempotency.Record(Scope("old"), 200, [1]); return true; });
        Advance(1_000);
        var cutoff = Now;
        await Run(u => { u.Idempotency.Record(Scope("new"), 200, [2]); return true; });

        (await Run(u => u.Idempotency.Purge(cutoff))).Should().Be(1);

        Reads.Idempotent(Scope("old")).Should().BeNull();
        Reads.Idempotent(Scope("new")).Should().NotBeNull();
    }
}
