using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

/// <summary>
/// Reading ingested spans back (an extension; the reference had no read API, W23): filtered by run,
/// task and/or trace, in ingest order, with the contract's pagination (CONTRACT §5, id cursor).
/// </summary>
internal static class SpansApi
{
    public static void MapSpans(this IEndpointRouteBuilder app)
    {
        app.MapResource("/spans").MapGet("", List)
            .Query("run_id", "task_id", "trace_id", "limit", "cursor").Answers<Page<SpanView>>().Errors(400, 401);
    }

    private static Reply List(HttpContext http, IReads reads)
    {
        var limit = Query.Limit(http, 100);
        var after = Cursor.ParseId(Query.Value(http, "cursor"), "a span id");
        var filter = new SpanFilter(Query.Value(http, "run_id"), Query.Value(http, "task_id"), Query.Value(http, "trace_id"), after, limit);
        return Paging.Reply(reads.Spans(filter), s => s.ToWire(), s => Cursor.Of(s.Id), WireJson.Wire.PageSpanView);
    }
}
