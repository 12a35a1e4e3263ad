using Dapper;

namespace TaskLeaseServer.Storage.Sqlite;

/// <param name="Match">an FTS5 expression built by <see cref="Domain.FtsMatch"/>, never raw caller text</param>
/// <param name="FilterPath">a JSON path already checked by <see cref="Domain.JsonPath"/></param>
public sealed record StoreSearch(string Match, string? Namespace, string? FilterPath, string? FilterValue, int Limit);

public sealed class StoreEntryRow
{
    public string Namespace { get; set; } = "";
    public string Key { get; set; } = "";
    public string ValueJson { get; set; } = "null";
    public long CreatedAtMs { get; set; }
    public long UpdatedAtMs { get; set; }
}

/// <summary>
/// The key/value store and its full-text search (CONTRACT §8.26-8.31). Triggers keep the FTS5
/// index in step with every write, inside the same transaction.
/// </summary>
public sealed class KvStore(SqliteDatabase database)
{
    private const string Columns = "s.namespace, s.key, s.value_json, s.created_at_ms, s.updated_at_ms";

    /// <summary>Insert, or replace the value keeping created_at_ms.</summary>
    public static void Put(WriteContext ctx, string ns, string key, string valueJson) =>
        ctx.Db.Execute("""
            INSERT INTO store (namespace, key, value_json, created_at_ms, updated_at_ms)
            VALUES (@ns, @key, @valueJson, @now, @now)
            ON CONFLICT (namespace, key) DO UPDATE SET value_json = excluded.value_json, updated_at_ms = excluded.updated_at_ms
            """, new { ns, key, valueJson, now = ctx.Now });

    public StoreEntryRow? Get(string ns, string key)
    {
        using var db = database.OpenRead();
        return db.QuerySingleOrDefault<StoreEntryRow>(
            $"SELECT {Columns} FROM store s WHERE s.namespace = @ns AND s.key = @key", new { ns, key });
    }

    public static void Delete(WriteContext ctx, string ns, string key) =>
        ctx.Db.Execute("DELETE FROM store WHERE namespace = @ns AND key = @key", new { ns, key });

    /// <summary>The whole namespace ordered by key in byte order (BINARY collation on UTF-8).</summary>
    public IReadOnlyList<StoreEntryRow> List(string ns)
    {
        using var db = database.OpenRead();
        return db.Query<StoreEntryRow>(
            $"SELECT {Columns} FROM store s WHERE s.namespace = @ns ORDER BY s.key", new { ns }).AsList();
    }

    public static void DeleteNamespace(WriteContext ctx, string ns) =>
        ctx.Db.Execute("DELETE FROM store WHERE namespace = @ns", new { ns });

    /// <summary>
    /// Best match first (bm25 rank), ties by namespace and key. The filter keeps entries whose value
    /// at the path is a JSON string equal to the filter value; numbers and booleans never match.
    /// </summary>
    public IReadOnlyList<StoreEntryRow> Search(StoreSearch search)
    {
        // The contract: a path without a value to compare with selects nothing.
        if (search.FilterPath is not null && search.FilterValue is null) return [];

        var where = "store_fts MATCH @Match";
        if (search.Namespace is not null) where += " AND s.namespace = @Namespace";
        if (search.FilterPath is not null)
            where += " AND json_type(s.value_json, @FilterPath) = 'text' AND json_extract(s.value_json, @FilterPath) = @FilterValue";

        using var db = database.OpenRead();
        return db.Query<StoreEntryRow>($"""
            SELECT {Columns} FROM store_fts f JOIN store s ON s.id = f.rowid
            WHERE {where}
            ORDER BY f.rank, s.namespace, s.key
            LIMIT @Limit
            """, search).AsList();
    }
}
