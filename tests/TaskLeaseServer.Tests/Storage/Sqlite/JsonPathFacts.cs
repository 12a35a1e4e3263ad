using FluentAssertions;
using Microsoft.Data.Sqlite;
using TaskLeaseServer.Storage.Sqlite;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Sqlite;

public sealed class JsonPathFacts
{
    private static readonly string[] Documents =
    [
        "{}", "[]", "5", "\"s\"", "null",
        """{"a":{"b":[1,{"c":"x"}]},"status":"open","odd.key":"v","":{"":1},"x y":[[2]]}""",
        """[{"a":[{"a":{"a":1}}]}]""",
    ];

    [Theory]
    [InlineData("$")]
    [InlineData("$.status")]
    [InlineData("$.a.b[1].c")]
    [InlineData("$.a.b[#-1]")]
    [InlineData("$[0]")]
    [InlineData("$.\"odd.key\"")]
    [InlineData("$.\"\"")]
    [InlineData("$.x y[0][0]")]
    [InlineData("$.a]")]
    public void AcceptsSqlitePaths(string path) => JsonPath.IsValid(path).Should().BeTrue();

    [Theory]
    [InlineData("")]
    [InlineData("status")]
    [InlineData(".status")]
    [InlineData("$.")]
    [InlineData("$..a")]
    [InlineData("$[")]
    [InlineData("$[]")]
    [InlineData("$[x]")]
    [InlineData("$[-1]")]
    [InlineData("$[#]")]
    [InlineData("$[#-]")]
    [InlineData("$.\"open")]
    [InlineData("$.a\0")]
    [InlineData("$a")]
    [InlineData("$.a\"b")]
    public void RefusesEverythingElse(string path) => JsonPath.IsValid(path).Should().BeFalse();

    /// <summary>What this check accepts, SQLite evaluates without an error on any document.</summary>
    [Fact]
    public void NoAcceptedPath_IsEverASqliteError()
    {
        using var db = new SqliteConnection("Data Source=:memory:");
        db.Open();
        var alphabet = "$.[]\"#-01a \0é";
        var random = new Random(7);
        var accepted = 0;
        for (var n = 0; n < 20_000; n++)
        {
            var path = "$" + string.Concat(Enumerable.Range(0, random.Next(0, 9)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            if (!JsonPath.IsValid(path)) continue;
            accepted++;
            foreach (var doc in Documents)
            {
                using var cmd = db.CreateCommand();
                cmd.CommandText = "SELECT json_type($doc, $path), json_extract($doc, $path)";
                cmd.Parameters.AddWithValue("$doc", doc);
                cmd.Parameters.AddWithValue("$path", path);
                FluentActions.Invoking(() => cmd.ExecuteScalar()).Should().NotThrow("path {0} on {1}", path, doc);
            }
        }
        accepted.Should().BeGreaterThan(100);
    }
}
