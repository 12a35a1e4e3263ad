using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

internal static class RunsApi
{
    private const string NoBearer = "no bearer token supplied: send \"Authorization: Bearer <lease_token>\"";

    public static void MapRuns(this IEndpointRouteBuilder app)
    {
        var runs = app.MapResource("/runs/{id}");
        runs.MapPost("/events", AppendEvent).LeaseToken().Accepts<EventCreateRequest>().Answers<EventIdResponse>(201).Errors(400, 401, 404, 410);
        runs.MapGet("/events", ListEvents).ChecksItsOwnToken().Query("limit", "cursor").Answers<Page<RunEvent>>().Errors(400, 401);
        runs.MapPost("/transition", Transition).LeaseToken().Accepts<TransitionRequest>().Answers<TransitionResponse>()
            .Errors(400, 401, 404, 409, 410);
        runs.MapPost("/fail", Fail).LeaseToken().Accepts<FailRequest>().Answers<StatusResponse>().Errors(400, 401, 404, 410);
    }

    private static Task<Reply> AppendEvent(string id, HttpContext http, Writes writes) =>
        AsLeaseHolder(id, http, writes,
            json => (Kind: json.RequiredString("kind"), Data: json.OptionalJson("data") ?? "{}"),
            (unit, lease, hash, evt) => Reply.Created(new EventIdResponse(LeaseHolder.AppendEvent(unit, lease, hash, evt.Kind, evt.Data)),
                WireJson.Wire.EventIdResponse));

    /// <summary>
    /// Readable without a lease. With an API token configured, the caller shows the API token, a key
    /// (every key has the read scope) or the run's own lease token (the reference let any bearer value through, W12).
    /// </summary>
    private static Reply ListEvents(string id, HttpContext http, IReads reads, ApiTokenAuth auth)
    {
        if (auth.Enabled)
        {
            var bearer = ApiTokenAuth.BearerOf(http);
            var allowed = Caller.Found(http) is not null || (bearer is not null && LeaseToken.HashOf(bearer) is { } hash && reads.IsRunToken(id, hash));
            if (!allowed) throw ApiError.Unauthorized("send the API token or this run's lease token as \"Authorization: Bearer <token>\"");
        }
        var limit = Query.Limit(http, 100);
        var after = Cursor.ParseId(Query.Value(http, "cursor"));
        return Paging.Reply(reads.Events(id, after, limit), e => e.ToWire(), e => Cursor.Of(e.Id), WireJson.Wire.PageRunEvent);
    }

    private static Task<Reply> Transition(string id, HttpContext http, Writes writes) =>
        AsLeaseHolder(id, http, writes,
            json => new TransitionCommand(json.RequiredString("trigger"), json.OptionalString("instructions"),
                json.OptionalJson("usage"), json.OptionalString("expected_stage"), json.OptionalLong("expected_task_version")),
            (unit, lease, hash, command) =>
            {
                var result = LeaseHolder.Transition(unit, lease, hash, command);
                return Reply.Ok(new TransitionResponse(result.PreviousStage, result.NewStage, result.Trigger), WireJson.Wire.TransitionResponse);
            });

    private static Task<Reply> Fail(string id, HttpContext http, Writes writes) =>
        AsLeaseHolder(id, http, writes,
            json => (Error: json.RequiredString("error"), Usage: json.OptionalJson("usage")),
            (unit, lease, hash, failure) =>
            {
                LeaseHolder.Fail(unit, lease, hash, failure.Error, failure.Usage);
                return Reply.Ok(new StatusResponse("failed"), WireJson.Wire.StatusResponse);
            });

    /// <summary>
    /// A write by the run's lease holder, in the contract's order (CONTRACT §3.2, §8.19-8.22): the
    /// token's shape before anything, then, inside the writer, the lease, then the body, then the act.
    /// </summary>
    private static Task<Reply> AsLeaseHolder<T>(string id, HttpContext http, Writes writes, Func<JsonBody, T> parse,
        Func<IWriteUnit, LeaseRow, byte[], T, Reply> act)
    {
        var hash = Routes.LeaseTokenHash(http, NoBearer);
        var body = RequestBody.Of(http);
        return writes.Run(http, unit =>
        {
            var (lease, request) = LeaseHolder.Authorize(unit, id, hash, () => parse(JsonBody.Parse(body)));
            return act(unit, lease, hash, request);
        });
    }
}
