using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

internal static class DependenciesApi
{
    public static void MapDependencies(this IEndpointRouteBuilder app)
    {
        var dependencies = app.MapResource("/tasks/{id}/dependencies");
        dependencies.MapPost("", Add).Accepts<DependencyCreateRequest>().Answers<StatusResponse>(201).Errors(400, 404, 409);
        dependencies.MapGet("", List).Answers<List<Dependency>>();
    }

    private static Task<Reply> Add(string id, HttpContext http, Writes writes)
    {
        var upstream = JsonBody.Parse(RequestBody.Of(http)).RequiredString("depends_on_task_id");
        return writes.Run(http, unit =>
        {
            Creation.Dependency(unit, id, upstream);
            return Reply.Created(new StatusResponse("created"), WireJson.Wire.StatusResponse);
        });
    }

    /// <summary>An unknown task has no edges: 200 [] (CONTRACT §8.13).</summary>
    private static Reply List(string id, IReads reads) =>
        Reply.Ok(reads.Dependencies(id).Select(d => d.ToWire()).ToList(), WireJson.Wire.ListDependency);
}
