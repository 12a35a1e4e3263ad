using Dapper;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage.Sqlite;

namespace TaskLeaseServer.Storage.Postgres.Reads;

internal sealed partial class PostgresReads
{
    private const string KvColumns = "s.namespace, s.key, s.value_json, s.created_at_ms, s.updated_at_ms";

    public StoreEntryRow? KvGet(string ns, string key) => Read(db =>
        db.QuerySingleOrDefault<StoreEntryRow>($"SELECT {KvColumns} FROM store s WHERE s.namespace = @ns AND s.key = @key", new { ns, key }));

    /// <summary>Key order is byte order: key is COLLATE "C" on UTF-8.</summary>
    public IReadOnlyList<StoreEntryRow> KvList(string ns) => Read(db =>
        db.Query<StoreEntryRow>($"SELECT {KvColumns} FROM store s WHERE s.namespace = @ns ORDER BY s.key", new { ns }).AsList());

    /// <summary>
    /// Every term must match and none is read as query syntax (<see cref="SearchText"/>); the same
    /// input checks as SQLite, in the same order (the contract's, shared with FtsMatch and JsonPath).
    /// Best match first (ts_rank; it can order near-ties differently from SQLite's bm25), ties by
    /// namespace and key. The filter keeps entries whose value at the path is a JSON string equal to
    /// the filter value. A value holding a \u0000 escape, which jsonb cannot represent, never
    /// matches a filter (it would fail the cast).
    /// </summary>
    public IReadOnlyList<StoreEntryRow> KvSearch(KvQuery query)
    {
        if (!FtsMatch.HasTerm(query.Text)) throw new DomainError(Fault.InvalidQuery, "q has no search term; send at least one word");
        if (query.FilterPath is not null && !JsonPath.IsValid(query.FilterPath)) throw new DomainError(Fault.InvalidQuery, JsonPath.Expected);
        if (query.FilterPath is not null && query.FilterValue is null) return [];
        // PostgreSQL text cannot hold NUL, so no stored string equals such a value.
        if (query.FilterValue is not null && query.FilterValue.Contains('\0', StringComparison.Ordinal)) return [];
        if (SearchText.Query(query.Text) is not { } tsquery) return [];

        var where = "s.search @@ q.q";
        if (query.Namespace is not null) where += " AND s.namespace = @Namespace";
        if (query.FilterPath is not null)
        {
            where += " AND strpos(s.value_json, '\\u0000') = 0" +
                " AND jsonb_path_query_first(s.value_json::jsonb, @path::jsonpath, '{}'::jsonb, true) = to_jsonb(@FilterValue::text)";
        }
        var path = query.FilterPath is null ? null : JsonbPath.Translate(query.FilterPath);
        return Read(db => db.Query<StoreEntryRow>($"""
            SELECT {KvColumns} FROM store s, (SELECT @tsquery::tsquery AS q) q
            WHERE {where}
            ORDER BY ts_rank(s.search, q.q) DESC, s.namespace, s.key
            LIMIT @Limit
            """, new { tsquery, query.Namespace, path, query.FilterValue, query.Limit }).AsList());
    }
}
