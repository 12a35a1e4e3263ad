using System.Buffers;
using System.Text.Json;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

/// <summary>
/// The operator's actions on one task (EXTENSIONS §7) and on many (§8), and inspect (§10). Each
/// action is one unit (Lifecycle/Operators) and answers with the task details as the unit left them.
/// </summary>
internal static class OperatorsApi
{
    public static void MapOperators(this IEndpointRouteBuilder app)
    {
        var task = app.MapResource("/tasks/{id}");
        task.MapPost("/cancel", Cancel).Accepts<CancelRequest>().Answers<TaskDetails>().Errors(400, 404);
        task.MapPost("/requeue", Requeue).Accepts<RequeueRequest>().Answers<TaskDetails>().Errors(400, 404, 409);
        task.MapPost("/pause", Pause).Accepts<PauseRequest>().Answers<TaskDetails>().Errors(400, 404);
        task.MapPost("/resume", Resume).Answers<TaskDetails>().Errors(404);
        task.MapPatch("", Patch).Accepts<TaskPatchRequest>().Answers<TaskDetails>().Errors(400, 404, 409);
        task.MapDelete("", Delete).Query("force").Answers<StatusResponse>().Errors(404, 409);
        task.MapDelete("/dependencies/{upstream_id}", RemoveDependency).Answers<StatusResponse>().Errors(404);
        task.MapGet("/inspect", Inspect).Answers<InspectResponse>().Errors(404);

        var bulk = app.MapResource("/tasks/bulk");
        foreach (var action in BulkActions.Names)
        {
            bulk.MapPost("/" + action, (HttpContext http, Writes writes, IReads reads, TimeProvider time) =>
                BulkActions.Run(action, http, writes, reads, time)).Accepts<BulkActionRequest>().Answers<BulkActionResponse>().Errors(400, 404);
        }
    }

    private static Task<Reply> Cancel(string id, HttpContext http, Writes writes)
    {
        var command = BulkActions.CancelOf(Body(http));
        var actor = Caller.Of(http).Actor;
        return writes.Run(http, unit => Details(unit, Operators.Cancel(unit, id, command, actor).Id));
    }

    private static Task<Reply> Requeue(string id, HttpContext http, Writes writes)
    {
        var command = BulkActions.RequeueOf(Body(http));
        var actor = Caller.Of(http).Actor;
        return writes.Run(http, unit => Details(unit, Operators.Requeue(unit, id, command, actor).Id));
    }

    private static Task<Reply> Pause(string id, HttpContext http, Writes writes)
    {
        var body = Body(http);
        var (reason, revoke) = (body.StrictString("reason"), body.StrictBool("revoke_lease") ?? false);
        var actor = Caller.Of(http).Actor;
        return writes.Run(http, unit => Details(unit, Operators.Pause(unit, id, reason, revoke, actor).Id));
    }

    private static Task<Reply> Resume(string id, HttpContext http, Writes writes)
    {
        var actor = Caller.Of(http).Actor;
        return writes.Run(http, unit => Details(unit, Operators.Resume(unit, id, actor).Id));
    }

    private static Task<Reply> Patch(string id, HttpContext http, Writes writes)
    {
        var (edit, expected, fields) = TaskPatch.Parse(JsonBody.Parse(RequestBody.Of(http)));
        var actor = Caller.Of(http).Actor;
        return writes.Run(http, unit => Details(unit, Operators.Edit(unit, id, edit, expected, actor, fields).Id));
    }

    private static Task<Reply> Delete(string id, HttpContext http, Writes writes)
    {
        var force = ForceOf(Query.Value(http, "force"));
        var actor = Caller.Of(http).Actor;
        return writes.Run(http, unit =>
        {
            Operators.Delete(unit, id, force, actor);
            return Reply.Ok(new StatusResponse("deleted"), WireJson.Wire.StatusResponse);
        });
    }

    private static Task<Reply> RemoveDependency(string id, string upstream_id, HttpContext http, Writes writes)
    {
        var actor = Caller.Of(http).Actor;
        return writes.Run(http, unit =>
        {
            Operators.RemoveDependency(unit, id, upstream_id, actor);
            return Reply.Ok(new StatusResponse("removed"), WireJson.Wire.StatusResponse);
        });
    }

    private static async Task<Reply> Inspect(string id, IWriteExecutor executor) =>
        new(200, InspectJson(id, await executor.Run(unit => Operators.Inspect(unit, id))));

    private static byte[] InspectJson(string id, InspectResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("task_id", id);
            w.WriteString("status", result.Status);
            w.WriteBoolean("claimable", result.Claimable);
            w.WriteStartArray("reasons");
            foreach (var reason in result.Reasons)
            {
                w.WriteStartObject();
                w.WriteString("code", reason.Code);
                w.WriteString("message", reason.Message);
                foreach (var (name, value) in reason.Evidence)
                {
                    switch (value)
                    {
                        case null: w.WriteNull(name); break;
                        case long n: w.WriteNumber(name, n); break;
                        case string s: w.WriteString(name, s); break;
                        case IEnumerable<string> list:
                            w.WriteStartArray(name);
                            foreach (var item in list) w.WriteStringValue(item);
                            w.WriteEndArray();
                            break;
                    }
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("next_action", result.NextAction);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static Reply Details(IWriteUnit unit, string id) =>
        Reply.Ok(unit.Tasks.Details(id)!.ToWire(unit.Now), WireJson.Wire.TaskDetails);

    /// <summary>The action's body: optional, so no body (or an empty one) is {}.</summary>
    internal static JsonBody Body(HttpContext http)
    {
        var bytes = RequestBody.Of(http);
        return bytes.IsEmpty ? JsonBody.Parse("{}"u8.ToArray()) : JsonBody.Parse(bytes);
    }

    /// <summary>?force=true|false (also 1|0); anything else is 400 invalid_request.</summary>
    private static bool ForceOf(string? value) => value switch
    {
        null or "false" or "0" => false,
        "true" or "1" => true,
        _ => throw ApiError.InvalidRequest("`force` must be true or false"),
    };
}
