using Dapper;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Sqlite.Reads;

internal sealed partial class SqliteReads
{
    private const string KvColumns = "s.namespace, s.key, s.value_json, s.created_at_ms, s.updated_at_ms";

    public StoreEntryRow? KvGet(string ns, string key)
    {
        using var db = Open();
        return db.QuerySingleOrDefault<StoreEntryRow>(
            $"SELECT {KvColumns} FROM store s WHERE s.namespace = @ns AND s.key = @key", new { ns, key });
    }

    /// <summary>Key order is byte order: BINARY collation on UTF-8.</summary>
    public IReadOnlyList<StoreEntryRow> KvList(string ns)
    {
        using var db = Open();
        return db.Query<StoreEntryRow>(
            $"SELECT {KvColumns} FROM store s WHERE s.namespace = @ns ORDER BY s.key", new { ns }).AsList();
    }

    /// <summary>
    /// Every term must match (implicit AND) and none is read as FTS5 syntax (<see cref="FtsMatch"/>).
    /// Best match first (bm25 rank), ties by namespace and key. The filter keeps entries whose value
    /// at the path is a JSON string equal to the filter value; numbers and booleans never match.
    /// </summary>
    public IReadOnlyList<StoreEntryRow> KvSearch(KvQuery query)
    {
        if (!FtsMatch.HasTerm(query.Text)) throw new DomainError(Fault.InvalidQuery, "q has no search term; send at least one word");
        if (query.FilterPath is not null && !JsonPath.IsValid(query.FilterPath)) throw new DomainError(Fault.InvalidQuery, JsonPath.Expected);
        // A path without a value to compare with selects nothing, as in the reference.
        if (query.FilterPath is not null && query.FilterValue is null) return [];
        if (FtsMatch.Build(query.Text) is not { } match) return [];

        var where = "store_fts MATCH @match";
        if (query.Namespace is not null) where += " AND s.namespace = @Namespace";
        if (query.FilterPath is not null)
            where += " AND json_type(s.value_json, @FilterPath) = 'text' AND json_extract(s.value_json, @FilterPath) = @FilterValue";

        using var db = Open();
        return db.Query<StoreEntryRow>($"""
            SELECT {KvColumns} FROM store_fts f JOIN store s ON s.id = f.rowid
            WHERE {where}
            ORDER BY f.rank, s.namespace, s.key
            LIMIT @Limit
            """, new { match, query.Namespace, query.FilterPath, query.FilterValue, query.Limit }).AsList();
    }
}
