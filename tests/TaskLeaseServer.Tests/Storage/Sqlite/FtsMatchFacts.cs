using FluentAssertions;
using Microsoft.Data.Sqlite;
using TaskLeaseServer.Storage.Sqlite;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Sqlite;

public sealed class FtsMatchFacts
{
    [Theory]
    [InlineData("hello", "\"hello\"")]
    [InlineData("  endpoints \t methods\r\n", "\"endpoints\" \"methods\"")]
    [InlineData("a OR b", "\"a\" \"OR\" \"b\"")]
    [InlineData("say \"hi\"", "\"say\" \"\"\"hi\"\"\"")]
    [InlineData("NEAR(a key:x foo*", "\"NEAR(a\" \"key:x\" \"foo*\"")]
    [InlineData("a - b", "\"a\" \"b\"")]
    [InlineData("a\0b", "\"a\" \"b\"")]
    [InlineData("crème", "\"crème\"")]
    public void EveryTermBecomesAQuotedPhrase(string q, string expected) =>
        FtsMatch.Build(q).Should().Be(expected);

    [Theory]
    [InlineData("\"")]
    [InlineData("!!! ---")]
    [InlineData("\0")]
    [InlineData(" ")]
    public void NothingThatCanMatch_IsNull(string q) => FtsMatch.Build(q).Should().BeNull();

    [Theory]
    [InlineData("", false)]
    [InlineData(" \t\r\n", false)]
    [InlineData("\"", true)]
    [InlineData("\0", true)]
    public void HasTerm_IsAnythingButSpacesTabsAndLineBreaks(string q, bool expected) =>
        FtsMatch.HasTerm(q).Should().Be(expected);

    [Fact]
    public void NoBuiltExpression_IsEverAnFts5SyntaxError()
    {
        using var db = new SqliteConnection("Data Source=:memory:");
        db.Open();
        Execute(db, "CREATE VIRTUAL TABLE t USING fts5 (a, b, tokenize = 'unicode61 remove_diacritics 2')");
        Execute(db, "INSERT INTO t VALUES ('a \"b\" near c', 'key x')");
        var alphabet = "a\"*^:()-+ \t\0\u0001NEAROTDkey{}[],.\\'é😀\u200b\u00a0";
        var random = new Random(4);
        for (var n = 0; n < 5_000; n++)
        {
            var q = string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            if (FtsMatch.Build(q) is not { } match) continue;
            using var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM t WHERE t MATCH $m";
            cmd.Parameters.AddWithValue("$m", match);
            FluentActions.Invoking(() => cmd.ExecuteScalar()).Should().NotThrow("q was {0}", q);
        }
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
