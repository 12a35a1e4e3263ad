using System.Net;
using FluentAssertions;
using Microsoft.Data.Sqlite;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>
/// Whatever a caller puts in a search, the answer is a 200 or a 400 with a valid envelope, and the
/// store is exactly as it was: no user text reaches SQL or FTS5 syntax.
/// </summary>
public sealed class StoreSearchHostileInputFacts
{
    // Query strings as sent on the wire (already percent-encoded where the bytes need it).
    public static readonly string[] Queries =
    [
        "q=%22", "q=%22%22", "q=%22%22%22", "q=a%22b", "q=%22a%22+%22b", "q=%22unterminated",
        "q=a+OR+b", "q=a+AND+b", "q=NOT+a", "q=a+NOT+b", "q=OR", "q=AND", "q=NOT", "q=a+%7C%7C+b",
        "q=NEAR(a+b)", "q=NEAR(a+b,+2)", "q=NEAR(", "q=NEAR/2", "q=a+NEAR+b",
        "q=foo*", "q=*", "q=**", "q=^foo", "q=^", "q=a+%2B+b", "q=-a",
        "q=key:x", "q=namespace:ns", "q=content:secret", "q=%7Bkey+content%7D:x", "q=-key:x", "q=:", "q=x:",
        "q=(", "q=)", "q=(a+OR+b)", "q=((((a))))", "q=a)", "q=%7B", "q=%5B%5D",
        "q=%00", "q=a%00b", "q=%22%00%22", "q=%01%02%03", "q=%7F", "q=a%0Ab%0Dc%09d", "q=%E2%80%8B", "q=%C2%A0",
        "q=%F0%9F%98%80", "q=%FF%FE", "q=%ED%A0%80", "q=%", "q=%zz", "q=%2", "q=+", "q=%2B%2B",
        "q=%27%3B+DROP+TABLE+store%3B--", "q=1%27+OR+%271%27%3D%271", "q=x%27)%3B+DELETE+FROM+store%3B--",
        "q=%22)+OR+1%3D1--", "q=rank", "q=bm25(store_fts)", "q=store_fts", "q=MATCH", "q=%5C", "q=%5C%22",
        "q=" + string.Join("+", Enumerable.Repeat("secret", 3_000)),
        "q=" + new string('a', 20_000),
        "q=" + string.Concat(Enumerable.Repeat("%22", 2_000)),
        "q=secret&namespace=%27+OR+1%3D1+--", "q=secret&namespace=%00", "q=secret&namespace=%22",
        "q=secret&filter_path=status&filter_value=x", "q=secret&filter_path=%24&filter_value=x",
        "q=secret&filter_path=%24.&filter_value=x", "q=secret&filter_path=%24%5B&filter_value=x",
        "q=secret&filter_path=%24.a%5B&filter_value=x", "q=secret&filter_path=%24..a&filter_value=x",
        "q=secret&filter_path=%24.%22open&filter_value=x", "q=secret&filter_path=%24.a%5B%23%5D&filter_value=x",
        "q=secret&filter_path=%24.a%5B-1%5D&filter_value=x", "q=secret&filter_path=%24.a%5B%23-%5D&filter_value=x",
        "q=secret&filter_path=%24.a%5B99999999999999999999999%5D&filter_value=x",
        "q=secret&filter_path=%24.nested.deep.a%5B0%5D&filter_value=x",
        "q=secret&filter_path=%00&filter_value=x", "q=secret&filter_path=%24.%00&filter_value=x",
        "q=secret&filter_path=%24.a%27)+OR+1%3D1--&filter_value=x",
        "q=secret&filter_path=%24.status&filter_value=%27+OR+%271%27%3D%271",
        "q=secret&filter_path=%24.status&filter_value=%00", "q=secret&filter_path=%24.status",
        "q=secret&limit=-1", "q=secret&limit=abc", "q=secret&limit=1e3", "q=secret&limit=%00",
        "q=secret&limit=99999999999999999999999", "q=secret&limit=0", "q=secret&limit=+5",
        "q=secret&q=%22", "q", "q&q=x", "",
    ];

    [Fact]
    public async Task NastySearches_NeverFail_AndLeaveTheStoreUnchanged()
    {
        await using var server = new ServerFixture();
        foreach (var (key, value) in new[]
        {
            ("a", """{"status":"open","text":"secret plans a b"}"""),
            ("b", """{"status":"x","nested":{"deep":{"a":["x"]}},"text":"secret"}"""),
            ("c", """{"n":5,"text":"a OR b NEAR foo"}"""),
        })
        {
            (await StoreFacts.Put(server.Http, $"/store/ns/{key}", $$"""{"value":{{value}}}""")).Expect(HttpStatusCode.NoContent);
        }
        var before = Snapshot(server.DbPath);

        Queries.Length.Should().BeGreaterThanOrEqualTo(50);
        foreach (var query in Queries)
        {
            var answer = await server.Http.Get("/store/search?" + query);
            answer.Status.Should().BeOneOf([HttpStatusCode.OK, HttpStatusCode.BadRequest], "for {0} the body was {1}", query, answer.Text);
            if (answer.Status == HttpStatusCode.BadRequest)
                answer.ErrorCode.Should().BeOneOf("missing_param", "invalid_query", "invalid_limit");
        }

        Snapshot(server.DbPath).Should().Equal(before);
    }

    /// <summary>Every stored entry, the schema, and the full-text index's own consistency check.</summary>
    private static List<string> Snapshot(string dbPath)
    {
        using var db = new SqliteConnection($"Data Source={dbPath};Pooling=false");
        db.Open();
        using (var check = db.CreateCommand())
        {
            check.CommandText = "INSERT INTO store_fts (store_fts) VALUES ('integrity-check')";
            check.ExecuteNonQuery();
        }
        var rows = new List<string>();
        using var cmd = db.CreateCommand();
        cmd.CommandText = """
            SELECT namespace || '|' || key || '|' || value_json || '|' || created_at_ms || '|' || updated_at_ms FROM store
            UNION ALL SELECT type || '|' || name || '|' || COALESCE(sql, '') FROM sqlite_master
            ORDER BY 1
            """;
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) rows.Add(reader.GetString(0));
        return rows;
    }
}
