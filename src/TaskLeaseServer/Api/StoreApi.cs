using System.Globalization;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage.Sqlite;

namespace TaskLeaseServer.Api;

/// <summary>
/// The key/value store (CONTRACT §8.26-8.31). Namespace and key arrive percent-decoded, so
/// <c>%2F</c> puts a '/' inside a key. <c>GET /store/search</c> is the search, which is why no
/// entry may live in namespace <c>search</c>.
/// </summary>
internal static class StoreApi
{
    private const string SearchNamespace = "search";
    private const int DefaultSearchLimit = 10;

    public static void MapStore(this IEndpointRouteBuilder app)
    {
        var store = app.MapResource("/store");
        store.MapPut("/{ns}/{key}", Put);
        store.MapGet("/{ns}/{key}", Get);
        store.MapDelete("/{ns}/{key}", Delete);
        store.MapGet("/{ns}", ListOrSearch);
        store.MapDelete("/{ns}", DeleteNamespace);
    }

    /// <summary>
    /// GET /store/search and GET /store/{namespace} share one route: routing would match a literal
    /// "search" ignoring case, but only the exact decoded word is the search (/store/SEARCH lists
    /// namespace "SEARCH").
    /// </summary>
    private static Reply ListOrSearch(string ns, HttpContext http, KvStore store) =>
        ns == SearchNamespace ? Search(http, store) : Entries(store.List(ns));

    private static Task<Reply> Put(string ns, string key, HttpContext http, Writes writes)
    {
        if (ns == SearchNamespace)
            throw new ApiError(400, "reserved_namespace",
                "namespace \"search\" is reserved (GET /store/search is the search); store the entry under another namespace");
        var value = JsonBody.Parse(RequestBody.Of(http)).RequiredJson("value");
        return writes.Run(http, ctx =>
        {
            KvStore.Put(ctx, ns, key, value);
            return Reply.NoContent();
        });
    }

    private static Reply Get(string ns, string key, KvStore store) =>
        store.Get(ns, key) is { } entry
            ? Reply.Ok(entry.ToWire(), WireJson.Wire.StoreEntry)
            : throw ApiError.NotFound($"no such key: \"{key}\" in namespace \"{ns}\"");

    private static Task<Reply> Delete(string ns, string key, HttpContext http, Writes writes) =>
        writes.Run(http, ctx =>
        {
            KvStore.Delete(ctx, ns, key);
            return Reply.NoContent();
        });

    private static Task<Reply> DeleteNamespace(string ns, HttpContext http, Writes writes) =>
        writes.Run(http, ctx =>
        {
            KvStore.DeleteNamespace(ctx, ns);
            return Reply.NoContent();
        });

    /// <summary>
    /// Every term must match (implicit AND) and none is read as FTS syntax. A malformed filter_path
    /// is 400 invalid_query where the reference answered an empty 200 (W24).
    /// </summary>
    private static Reply Search(HttpContext http, KvStore store)
    {
        var q = Query.Value(http, "q")
            ?? throw new ApiError(400, "missing_param", "q is required: the words to search for, e.g. /store/search?q=release+notes");
        if (!FtsMatch.HasTerm(q)) throw new ApiError(400, "invalid_query", "q has no search term; send at least one word");
        var limit = SearchLimit(Query.Value(http, "limit"));
        var path = Query.Value(http, "filter_path");
        if (path is not null && !JsonPath.IsValid(path)) throw new ApiError(400, "invalid_query", JsonPath.Expected);

        if (FtsMatch.Build(q) is not { } match) return Entries([]);
        return Entries(store.Search(new StoreSearch(match, Query.Value(http, "namespace"), path,
            Query.Value(http, "filter_value"), limit)));
    }

    /// <summary>
    /// Read as an unsigned number (so "-5" or "abc" mean the default, as in the reference); 0 or more
    /// than 1000 is 400 invalid_limit.
    /// </summary>
    private static int SearchLimit(string? text)
    {
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit)) return DefaultSearchLimit;
        if (limit is 0 or > 1000) throw ApiError.InvalidLimit("limit must be between 1 and 1000");
        return (int)limit;
    }

    private static Reply Entries(IReadOnlyList<StoreEntryRow> rows) =>
        Reply.Ok(rows.Select(e => e.ToWire()).ToList(), WireJson.Wire.ListStoreEntry);
}
