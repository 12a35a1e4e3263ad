using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage.Sqlite;

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

    private static Task<Reply> Create(HttpContext http, PipelineStore store, Writes writes)
    {
        var body = JsonBody.Parse(RequestBody.Of(http));
        var name = body.RequiredString("name");
        if (!body.Element.TryGetProperty("definition", out var definitionJson))
            throw ApiError.InvalidJson("`definition` is required: the pipeline's state machine as a JSON object");
        var definition = Domain.PipelineDefinition.Parse(definitionJson);
        var stored = JsonBody.Compact(definitionJson);
        return writes.Run(http, ctx => Reply.Created(new IdResponse(store.Create(ctx, name, stored, definition)), WireJson.Wire.IdResponse));
    }

    private static Reply List(PipelineStore store) =>
        Reply.Ok(store.List().Select(p => p.ToWire()).ToList(), WireJson.Wire.ListPipeline);

    private static Reply Get(string id, PipelineStore store) =>
        store.Find(id) is { } pipeline
            ? Reply.Ok(pipeline.ToWire(), WireJson.Wire.Pipeline)
            : throw ApiError.NotFound($"no such pipeline: \"{id}\"");
}
