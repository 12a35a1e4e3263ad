using System.Globalization;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

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
        store.MapGet("/search", Search).Query("q", "namespace", "limit", "filter_path", "filter_value")
            .Answers<List<StoreEntry>>().Errors(400);
        store.MapPut("/{namespace}/{key}", Put).ForAgents().Accepts<StorePutRequest>().AnswersEmpty().Errors(400);
        store.MapGet("/{namespace}/{key}", Get).Answers<StoreEntry>().Errors(404);
        store.MapDelete("/{namespace}/{key}", Delete).ForAgents().AnswersEmpty();
        store.MapGet("/{namespace}", List).Answers<List<StoreEntry>>();
        store.MapDelete("/{namespace}", DeleteNamespace).ForAgents().AnswersEmpty();
    }

    private static Task<Reply> Put(string @namespace, string key, HttpContext http, Writes writes)
    {
        if (@namespace == SearchNamespace)
            throw new ApiError(400, "reserved_namespace",
                "namespace \"search\" is reserved (GET /store/search is the search); store the entry under another namespace");
        if (RequestPath.Of(http).Lossy)
            throw new ApiError(400, "invalid_request",
                "the namespace or key has percent-escapes that are not UTF-8; such names would collide with each other");
        var value = JsonBody.Parse(RequestBody.Of(http)).RequiredJson("value");
        return writes.Run(http, unit =>
        {
            unit.Kv.Put(@namespace, key, value);
            return Reply.NoContent();
        });
    }

    private static Reply Get(string @namespace, string key, IReads reads) =>
        reads.KvGet(@namespace, key) is { } entry
            ? Reply.Ok(entry.ToWire(), WireJson.Wire.StoreEntry)
            : throw ApiError.NotFound($"no such key: \"{key}\" in namespace \"{@namespace}\"");

    private static Task<Reply> Delete(string @namespace, string key, HttpContext http, Writes writes) =>
        writes.Run(http, unit =>
        {
            unit.Kv.Delete(@namespace, key);
            return Reply.NoContent();
        });

    private static Reply List(string @namespace, IReads reads) => Entries(reads.KvList(@namespace));

    private static Task<Reply> DeleteNamespace(string @namespace, HttpContext http, Writes writes) =>
        writes.Run(http, unit =>
        {
            unit.Kv.DeleteNamespace(@namespace);
            return Reply.NoContent();
        });

    /// <summary>
    /// Every term must match (implicit AND) and none is read as FTS syntax. A malformed filter_path
    /// is 400 invalid_query where the reference answered an empty 200 (W24).
    /// </summary>
    private static Reply Search(HttpContext http, IReads reads)
    {
        var q = Query.Value(http, "q")
            ?? throw new ApiError(400, "missing_param", "q is required: the words to search for, e.g. /store/search?q=release+notes");
        var limit = SearchLimit(Query.Value(http, "limit"));
        return Entries(reads.KvSearch(new KvQuery(q, Query.Value(http, "namespace"), Query.Value(http, "filter_path"),
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
