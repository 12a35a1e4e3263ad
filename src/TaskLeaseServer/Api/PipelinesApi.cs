using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

internal static class PipelinesApi
{
    public static void MapPipelines(this IEndpointRouteBuilder app)
    {
        var pipelines = app.MapResource("/pipelines");
        pipelines.MapPost("", Create).Accepts<PipelineCreateRequest>().Answers<IdResponse>(201).Errors(400, 409);
        pipelines.MapGet("", List).Answers<List<Pipeline>>();
        pipelines.MapGet("/{id}", Get).Answers<Pipeline>().Errors(404);
    }

    private static Task<Reply> Create(HttpContext http, Writes writes)
    {
        var body = JsonBody.Parse(RequestBody.Of(http));
        var name = body.RequiredString("name");
        if (!body.Element.TryGetProperty("definition", out var definitionJson))
            throw ApiError.InvalidJson("`definition` is required: the pipeline's state machine as a JSON object");
        var definition = Domain.PipelineDefinition.Parse(definitionJson);
        var stored = JsonBody.Compact(definitionJson);
        return writes.Run(http, unit => Reply.Created(new IdResponse(Creation.Pipeline(unit, name, stored, definition)), WireJson.Wire.IdResponse));
    }

    private static Reply List(IReads reads) =>
        Reply.Ok(reads.Pipelines().Select(p => p.ToWire()).ToList(), WireJson.Wire.ListPipeline);

    private static Reply Get(string id, IReads reads) =>
        reads.Pipeline(id) is { } pipeline
            ? Reply.Ok(pipeline.ToWire(), WireJson.Wire.Pipeline)
            : throw ApiError.NotFound($"no such pipeline: \"{id}\"");
}
