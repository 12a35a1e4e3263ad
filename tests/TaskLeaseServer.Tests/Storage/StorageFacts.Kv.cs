using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// The key/value store and its full-text search.
public abstract partial class StorageFacts
{
    private Task<bool> Put(string ns, string key, string valueJson) => Run(u => { u.Kv.Put(ns, key, valueJson); return true; });

    private IEnumerable<string> Search(string text, string? ns = null, string? path = null, string? value = null) =>
        Reads.KvSearch(new KvQuery(text, ns, path, value, 50)).Select(e => e.Namespace + "/" + e.Key);

    [Fact]
    public async Task APut_ReplacesTheValue_KeepingWhenItWasCreated()
    {
        await Put("ns", "k", "1");
        var created = Now;
        Advance(500);

        await Put("ns", "k", "{\"v\":2}");

        Reads.KvGet("ns", "k").Should().BeEquivalentTo(new StoreEntryRow
        {
            Namespace = "ns", Key = "k", ValueJson = "{\"v\":2}", CreatedAtMs = created, UpdatedAtMs = created + 500,
        });
        Reads.KvGet("other", "k").Should().BeNull();
    }

    [Fact]
    public async Task AList_IsTheWholeNamespaceInKeyByteOrder()
    {
        foreach (var key in new[] { "b", "a", "B", "é", "a0" }) await Put("ns", key, "1");
        await Put("other", "c", "1");

        Reads.KvList("ns").Select(e => e.Key).Should().Equal("B", "a", "a0", "b", "é");
    }

    [Fact]
    public async Task DeletingAKeyOrANamespace_RemovesExactlyThat()
    {
        await Put("ns", "a", "1");
        await Put("ns", "b", "1");
        await Put("gone", "c", "\"findme\"");

        await Run(u => { u.Kv.Delete("ns", "a"); u.Kv.DeleteNamespace("gone"); return true; });

        Reads.KvList("ns").Select(e => e.Key).Should().Equal("b");
        Reads.KvList("gone").Should().BeEmpty();
        Search("findme").Should().BeEmpty();
    }

    [Fact]
    public async Task ASearch_MatchesOnlyEntriesWithEveryTerm()
    {
        await Put("ns", "1", "{\"title\":\"red apple\"}");
        await Put("ns", "2", "{\"title\":\"red car\"}");
        await Put("ns", "3", "{\"title\":\"green apple\"}");
        await Put("other", "4", "{\"title\":\"an apple\"}");

        Search("red apple").Should().Equal("ns/1");
        Search("apple").Should().BeEquivalentTo("ns/1", "ns/3", "other/4");
        Search("apple", ns: "other").Should().Equal("other/4");
        Search("  RED  ").Should().BeEquivalentTo("ns/1", "ns/2");
        Search("blue").Should().BeEmpty();
    }

    [Fact]
    public async Task ASearch_ReadsNoQuerySyntax_AndSeesUpdates()
    {
        await Put("ns", "1", "{\"title\":\"a OR b\"}");
        await Put("ns", "2", "{\"title\":\"just b\"}");

        Search("a OR").Should().Equal("ns/1");
        Search("NOT a").Should().BeEmpty();

        await Put("ns", "1", "{\"title\":\"nothing now\"}");
        Search("OR").Should().BeEmpty();
        Search("nothing").Should().Equal("ns/1");
    }

    [Fact]
    public async Task AFilterPath_KeepsEntriesWhoseValueThereIsThatString()
    {
        await Put("ns", "1", "{\"status\":\"open\",\"t\":\"bug\"}");
        await Put("ns", "2", "{\"status\":\"closed\",\"t\":\"bug\"}");
        await Put("ns", "3", "{\"status\":7,\"t\":\"bug\"}");
        await Put("ns", "4", "{\"t\":\"bug\"}");

        Search("bug", path: "$.status", value: "open").Should().Equal("ns/1");
        Search("bug", path: "$.status", value: "7").Should().BeEmpty();
        Search("bug", path: "$.status", value: null).Should().BeEmpty();
    }

    [Theory]
    [InlineData("bug", "status")]
    [InlineData("bug", "$..a")]
    [InlineData(" \t", null)]
    public async Task AnInvalidQueryOrFilterPath_IsAnInvalidQuery(string text, string? path)
    {
        await Put("ns", "1", "{\"status\":\"open\",\"t\":\"bug\"}");

        var search = () => Search(text, path: path, value: "open").ToList();

        search.Should().Throw<DomainError>().Which.Fault.Should().Be(Fault.InvalidQuery);
    }
}
