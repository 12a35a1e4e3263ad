using System.Text.Json;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

/// <summary>
/// POST /tasks/bulk/{cancel,requeue,pause,resume,delete} (EXTENSIONS §8): the tasks named by `ids`
/// or matched by `filter`, each changed in its own unit by the single action's sequence, so every
/// task's change is whole or absent and one task's refusal (leased, not found) is its own item.
/// </summary>
internal static class BulkActions
{
    public static readonly string[] Names = ["cancel", "requeue", "pause", "resume", "delete"];

    public const int MaxIds = 1_000;
    public const int MaxFilterLimit = 10_000;
    public const int DefaultFilterLimit = 1_000;

    public static async Task<Reply> Run(string action, HttpContext http, Writes writes, IReads reads, TimeProvider time)
    {
        var body = OperatorsApi.Body(http);
        // Every option is type-checked, whichever action uses it, so a malformed body is never half-read.
        foreach (var option in (string[])["reason", "stage"]) body.StrictString(option);
        foreach (var option in (string[])["reset_attempts", "force", "revoke_lease", "dry_run"]) body.StrictBool(option);
        var limit = Limit(body);
        var actor = Caller.Of(http).Actor;
        Func<IWriteUnit, string, bool> apply = action switch
        {
            "cancel" => Action(CancelOf(body), (u, id, c) => Operators.Cancel(u, id, c, actor)),
            "requeue" => Action(RequeueOf(body), (u, id, c) => Operators.Requeue(u, id, c, actor)),
            "pause" => Action((Reason: body.StrictString("reason"), Revoke: body.StrictBool("revoke_lease") ?? false),
                (u, id, c) => Operators.Pause(u, id, c.Reason, c.Revoke, actor)),
            "resume" => (u, id) => Operators.Resume(u, id, actor) is not null,
            _ => Action(body.StrictBool("force") ?? false, (u, id, force) => { Operators.Delete(u, id, force, actor); return true; }),
        };
        var ids = Targets(body, limit, reads, time.GetUtcNow().ToUnixTimeMilliseconds());
        // A dry run (the dashboard's "count first") answers how many this body names, changing nothing.
        if (body.StrictBool("dry_run") == true) return Reply.Ok(new BulkActionResponse([], ids.Count), WireJson.Wire.BulkActionResponse);

        var executor = http.RequestServices.GetRequiredService<IWriteExecutor>();
        var items = new List<BulkItemResult>(ids.Count);
        foreach (var id in ids)
        {
            try
            {
                await executor.Run(unit => apply(unit, id));
                items.Add(new BulkItemResult(id, true, null));
            }
            catch (DomainError e) when (e.Fault != Fault.StorageUnavailable)
            {
                var (_, code) = ErrorTable.Of(e.Fault);
                items.Add(new BulkItemResult(id, false, new ErrorDetail(code, e.Message)));
            }
        }
        return Reply.Ok(new BulkActionResponse(items, ids.Count), WireJson.Wire.BulkActionResponse);
    }

    public static CancelCommand CancelOf(JsonBody body) => new(body.StrictString("reason"), body.StrictString("stage"));

    public static RequeueCommand RequeueOf(JsonBody body) =>
        new(body.StrictString("stage"), body.StrictBool("reset_attempts") ?? true, body.StrictBool("force") ?? false, body.StrictString("reason"));

    private static Func<IWriteUnit, string, bool> Action<T>(T options, Func<IWriteUnit, string, T, object> act) =>
        (unit, id) => act(unit, id, options) is not null;

    /// <summary>The ids as sent (1..1000, in order), or the filter's matches (oldest first, at most limit).</summary>
    private static int Limit(JsonBody body) =>
        body.Element.TryGetProperty("limit", out var l) && l.ValueKind != JsonValueKind.Null
            ? (l.ValueKind == JsonValueKind.Number && JsonBody.ReadInteger(l) is { } n && n is >= 1 and <= MaxFilterLimit
                ? (int)n
                : throw ApiError.InvalidRequest($"`limit` must be an integer from 1 to {MaxFilterLimit}"))
            : DefaultFilterLimit;

    private static IReadOnlyList<string> Targets(JsonBody body, int limit, IReads reads, long now)
    {
        var hasIds = body.Element.TryGetProperty("ids", out var idsEl) && idsEl.ValueKind != JsonValueKind.Null;
        var hasFilter = body.Element.TryGetProperty("filter", out var filterEl) && filterEl.ValueKind != JsonValueKind.Null;
        if (hasIds == hasFilter) throw ApiError.InvalidRequest("send either `ids` (an array of task ids) or `filter` (an object), not both or neither");
        if (hasIds)
        {
            if (idsEl.ValueKind != JsonValueKind.Array) throw ApiError.InvalidRequest("`ids` must be an array of task id strings");
            var ids = new List<string>();
            foreach (var id in idsEl.EnumerateArray())
            {
                if (id.ValueKind != JsonValueKind.String) throw ApiError.InvalidRequest("`ids` must be an array of task id strings");
                ids.Add(id.GetString()!);
            }
            if (ids.Count is 0 or > MaxIds)
                throw ApiError.InvalidRequest($"`ids` has {ids.Count} items; send 1 to {MaxIds} (or use `filter` with `limit` up to {MaxFilterLimit})");
            return ids;
        }
        if (filterEl.ValueKind != JsonValueKind.Object) throw ApiError.InvalidRequest("`filter` must be an object");
        var matched = Matching(new JsonBody(filterEl, "filter."), reads, limit, now);
        if (matched.Count == 0) throw ApiError.NotFound("no task matches the filter; check its pipeline_id, stage, status and role");
        return matched;
    }

    private static List<string> Matching(JsonBody filter, IReads reads, int limit, long now)
    {
        foreach (var field in filter.Element.EnumerateObject())
        {
            if (field.Name is not ("pipeline_id" or "stage" or "status" or "role"))
                throw ApiError.InvalidRequest($"`filter.{field.Name}` is not a filter; use pipeline_id, stage, status or role");
        }
        var pipelineId = filter.StrictString("pipeline_id");
        var stage = filter.StrictString("stage");
        var role = filter.StrictString("role");
        var statusText = filter.StrictString("status");
        if (pipelineId is null && stage is null && role is null && statusText is null)
            throw ApiError.InvalidRequest("`filter` is empty; name at least one of pipeline_id, stage, status or role");
        HashSet<string>? statuses = null;
        if (statusText is not null)
        {
            statuses = statusText.Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            foreach (var s in statuses.Where(s => !TaskStatusRule.All.Contains(s)))
                throw ApiError.InvalidRequest($"`filter.status` \"{s}\" is not a status; use {string.Join(", ", TaskStatusRule.All)}");
        }
        if (pipelineId is not null)
        {
            var pipeline = reads.Pipeline(pipelineId) ?? throw new DomainError(Fault.PipelineNotFound, $"no pipeline has id \"{pipelineId}\"");
            var definition = Domain.PipelineDefinition.Parse(JsonDocument.Parse(pipeline.DefinitionJson).RootElement);
            if (stage is not null && !definition.HasStage(stage))
                throw new DomainError(Fault.InvalidStage, $"stage \"{stage}\" is not a stage of pipeline \"{pipeline.Name}\"");
        }

        var ids = new List<string>();
        (long, string)? after = null;
        while (ids.Count < limit)
        {
            var page = reads.Tasks(new TaskFilter(stage, pipelineId, after, 1_000));
            foreach (var task in page.Items)
            {
                if (role is not null && task.Role != role) continue;
                if (statuses is not null && !statuses.Contains(TaskStatusRule.Of(task.State(now), now))) continue;
                ids.Add(task.Id);
                if (ids.Count == limit) break;
            }
            if (!page.More || page.Items.Count == 0) break;
            after = (page.Items[^1].CreatedAtMs, page.Items[^1].Id);
        }
        return ids;
    }
}
