using FluentAssertions;
using Microsoft.Data.Sqlite;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Postgres;
using TaskLeaseServer.Storage.Sqlite;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Postgres;

/// <summary>
/// The PostgreSQL search finds exactly what SQLite's FTS5 finds, on text where PostgreSQL's own
/// parser would differ (hyphens, e-mail addresses, paths, versions, diacritics, case, CJK, quotes).
/// </summary>
public sealed class SearchParityFacts : IAsyncLifetime
{
    private static readonly (string Key, string Value)[] Corpus =
    [
        ("hyphen", "\"foo-bar baz\""),
        ("mail", "\"write to user@example.com today\""),
        ("path", "\"see /a/b/c.txt and example.com/x\""),
        ("version", "\"release v1.2.3 of 1.5\""),
        ("accents", "\"Crème brûlée à la carte\""),
        ("case", "\"MiXeD CaSe Words\""),
        ("cjk", "\"東京 タワー\""),
        ("quotes", "{\"title\":\"it's \\\"quoted\\\"\",\"n\":1}"),
        ("german", "\"Straße und Fluß\""),
        ("json", "{\"owner\":{\"name\":\"ada\"},\"tags\":[\"x\",\"y\"]}"),
    ];

    private static readonly string[] Queries =
    [
        "foo", "bar", "foo-bar", "foo bar", "\"foo bar\"", "baz foo", "example", "example.com", "user@example.com", "com",
        "txt", "a/b", "v1", "1.2.3", "5", "creme", "CRÈME", "brulee la", "mixed case", "words mixed", "東京", "タワー",
        "it's", "quoted", "s", "strasse", "straße", "fluss", "owner", "name ada", "tags x", "OR", "NOT foo", "foo*", "-", "hyphen",
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("tls-parity-").FullName;
    private readonly string _url = PostgresCluster.NewDatabase();
    private IStorageEngine _sqlite = null!;
    private IStorageEngine _postgres = null!;

    public async Task InitializeAsync()
    {
        _sqlite = new SqliteEngine(new StorageOptions(Path.Combine(_dir, "p.db")), new CommitSignal(), TimeProvider.System);
        _postgres = new PostgresEngine(new StorageOptions(_url), new CommitSignal(), TimeProvider.System);
        foreach (var engine in new[] { _sqlite, _postgres })
        {
            engine.Migrate();
            await engine.Writer.Run(u =>
            {
                foreach (var (key, value) in Corpus) u.Kv.Put("ns", key, value);
                return true;
            });
        }
    }

    public Task DisposeAsync()
    {
        _sqlite.Dispose();
        _postgres.Dispose();
        SqliteConnection.ClearAllPools();
        PostgresCluster.DropDatabase(_url);
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public void EveryQuery_FindsTheSameEntriesOnBothEngines()
    {
        foreach (var q in Queries)
        {
            var expected = Keys(_sqlite, q);
            Keys(_postgres, q).Should().BeEquivalentTo(expected, $"q = {q} finds {string.Join(",", expected)} on SQLite");
        }
    }

    [Theory]
    [InlineData("$.owner.name", "ada", "json")]
    [InlineData("$.tags[1]", "y", "json")]
    [InlineData("$.tags[#-1]", "y", "json")]
    [InlineData("$.tags[#-2]", "x", "json")]
    [InlineData("$.tags[2]", "y", null)]
    [InlineData("$.owner", "ada", null)]
    [InlineData("$.title", "it's \"quoted\"", "quotes")]
    [InlineData("$.\"title\"", "it's \"quoted\"", "quotes")]
    [InlineData("$.n", "1", null)]
    public void FilterPaths_KeepTheSameEntriesOnBothEngines(string path, string value, string? key)
    {
        foreach (var engine in new[] { _sqlite, _postgres })
        {
            var found = engine.Reads.KvSearch(new KvQuery("ns", null, path, value, 50)).Select(e => e.Key);
            found.Should().Equal(key is null ? [] : [key], $"{engine.Name}: {path} = {value}");
        }
    }

    private static List<string> Keys(IStorageEngine engine, string q) =>
        engine.Reads.KvSearch(new KvQuery(q, null, null, null, 50)).Select(e => e.Key).ToList();
}
