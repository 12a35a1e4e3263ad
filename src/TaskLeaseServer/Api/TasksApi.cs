using System.Text.Json;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

internal static class TasksApi
{
    public static void MapTasks(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapResource("/tasks");
        tasks.MapPost("", Create).Accepts<TaskCreateRequest>().Answers<IdResponse>(201).Errors(400, 404, 409);
        tasks.MapPost("/bulk", CreateBulk).Accepts<BulkTaskCreateRequest>().Answers<BulkTaskCreateResponse>(201).Errors(400, 404, 409);
        tasks.MapGet("", TaskListing.List).Query(TaskListing.Parameters).Answers<Page<TaskView>>().Errors(400);
        tasks.MapGet("/{id}", Get).Answers<TaskDetails>().Errors(404);
        tasks.MapGet("/{id}/run-state", RunState).Errors(404);
    }

    private static Task<Reply> Create(HttpContext http, Writes writes)
    {
        var task = ParseNewTask(JsonBody.Parse(RequestBody.Of(http)));
        return writes.Run(http, unit => Reply.Created(new IdResponse(Creation.Tasks(unit, [task])[0]), WireJson.Wire.IdResponse));
    }

    private static Task<Reply> CreateBulk(HttpContext http, Writes writes)
    {
        var items = JsonBody.Parse(RequestBody.Of(http)).RequiredArray("tasks");
        var tasks = new List<NewTask>();
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object) throw ApiError.InvalidJson($"`tasks[{index}]` must be an object");
            tasks.Add(ParseNewTask(new JsonBody(item, $"tasks[{index++}].")));
        }
        if (tasks.Count == 0) throw new ApiError(400, "invalid_request", "the tasks array is empty; send at least one task");
        return writes.Run(http, unit =>
            Reply.Created(new BulkTaskCreateResponse(Creation.Tasks(unit, tasks)), WireJson.Wire.BulkTaskCreateResponse));
    }

    private static Reply Get(string id, IReads reads, TimeProvider time) =>
        reads.TaskDetails(id) is { } details
            ? Reply.Ok(details.ToWire(time.GetUtcNow().ToUnixTimeMilliseconds()), WireJson.Wire.TaskDetails)
            : throw ApiError.NotFound($"no such task: \"{id}\"");

    /// <summary>No endpoint ever records a run id on a task, so this is always 404 (CONTRACT §8.11, W3).</summary>
    private static Reply RunState(string id) =>
        throw ApiError.NotFound("no run id recorded for the task; read latest_run from GET /tasks/{id}");

    private static NewTask ParseNewTask(JsonBody body)
    {
        var retry = body.OptionalObject("retry_policy");
        var dependencies = new List<string>();
        if (body.OptionalArray("dependencies") is { } deps)
        {
            foreach (var dep in deps.EnumerateArray())
            {
                if (dep.ValueKind != JsonValueKind.String) throw body.Wrong("dependencies", "an array of task id strings");
                dependencies.Add(dep.GetString()!);
            }
        }
        return new NewTask(
            body.RequiredString("pipeline_id"),
            body.RequiredString("title"),
            body.RequiredString("description"),
            body.OptionalLong("priority") ?? 0,
            body.OptionalJson("metadata") ?? "{}",
            retry?.OptionalLong("max_attempts"),
            Math.Max(0, retry?.OptionalLong("retry_delay_ms") ?? 0),
            retry?.OptionalString("dead_letter_stage"),
            dependencies,
            body.OptionalString("assigned_agent_id"),
            body.OptionalString("assigned_by"),
            body.StrictNonNegative("not_before_ms") ?? 0,
            body.StrictBool("paused") ?? false);
    }
}
