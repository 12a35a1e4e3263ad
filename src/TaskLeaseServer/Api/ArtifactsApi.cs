using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

internal static class ArtifactsApi
{
    public static void MapArtifacts(this IEndpointRouteBuilder app)
    {
        var artifacts = app.MapResource("/artifacts");
        artifacts.MapPost("", Create).ForAgents().Accepts<ArtifactCreateRequest>().Answers<IdResponse>(201).Errors(400, 404);
        artifacts.MapGet("", List).Query("task_id", "run_id", "limit", "cursor").Answers<Page<Artifact>>().Errors(400);
    }

    private static Task<Reply> Create(HttpContext http, Writes writes)
    {
        var body = JsonBody.Parse(RequestBody.Of(http));
        var artifact = new NewArtifact(
            body.RequiredString("kind"),
            body.RequiredString("uri"),
            body.OptionalString("task_id"),
            body.OptionalString("run_id"),
            body.OptionalString("sha256"),
            body.OptionalLong("size_bytes"),
            body.OptionalJson("meta") ?? "{}");
        return writes.Run(http, unit => Reply.Created(new IdResponse(Creation.Artifact(unit, artifact)), WireJson.Wire.IdResponse));
    }

    /// <summary>Paged like GET /tasks: next_cursor names the last item returned (W1).</summary>
    private static Reply List(HttpContext http, IReads reads)
    {
        var limit = Query.Limit(http, 100);
        var after = Cursor.ParseTimeAndId(Query.Value(http, "cursor"));
        var page = reads.Artifacts(new ArtifactFilter(Query.Value(http, "task_id"), Query.Value(http, "run_id"), after, limit));
        return Paging.Reply(page, a => a.ToWire(), a => Cursor.Of(a.CreatedAtMs, a.Id), WireJson.Wire.PageArtifact);
    }
}
