using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Background;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

/// <summary>Run history (EXTENSIONS §5) and a task's events as a list (§6).</summary>
internal static class HistoryApi
{
    public static void MapHistory(this IEndpointRouteBuilder app)
    {
        app.MapResource("/runs/{id}").MapGet("", GetRun).Answers<RunDetails>().Errors(404);
        var task = app.MapResource("/tasks/{id}");
        task.MapGet("/runs", TaskRuns).Query("limit", "cursor").Answers<Page<RunDetails>>().Errors(400, 404);
        task.MapGet("/events", TaskEvents).Query("limit", "cursor").Answers<Page<RunEvent>>().Errors(400, 404);
    }

    private static Reply GetRun(string id, IReads reads) =>
        reads.Run(id) is { } run
            ? Reply.Ok(run.ToWire(), WireJson.Wire.RunDetails)
            : throw ApiError.NotFound($"no run has id \"{id}\"");

    private static Reply TaskRuns(string id, HttpContext http, IReads reads)
    {
        var limit = Query.Limit(http, 100);
        var after = Cursor.ParseId(Query.Value(http, "cursor"), "an attempt number");
        var page = reads.TaskRuns(id, after, limit) ?? throw UnknownTask(id);
        return Paging.Reply(page, r => r.ToWire(), r => Cursor.Of(r.Attempt), WireJson.Wire.PageRunDetails);
    }

    /// <summary>
    /// Up to the settled horizon only (<see cref="EventFeed"/>): a page never shows an id while a
    /// lower one may still commit, so paging by cursor misses nothing, as the streams do not.
    /// </summary>
    private static async Task<Reply> TaskEvents(string id, HttpContext http, IReads reads, EventFeed feed)
    {
        var limit = Query.Limit(http, 100);
        var after = Cursor.ParseId(Query.Value(http, "cursor")) ?? 0;
        if (!reads.TaskExists(id)) throw UnknownTask(id);
        var horizon = await feed.Horizon(http.RequestAborted);
        return Paging.Reply(reads.EventsFor(new EventFilter(TaskId: id), after, horizon, limit), e => e.ToWire(), e => Cursor.Of(e.Id),
            WireJson.Wire.PageRunEvent);
    }

    private static DomainError UnknownTask(string id) => new(Fault.TaskNotFound, $"no task has id \"{id}\"");
}
