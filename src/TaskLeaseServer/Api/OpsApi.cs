using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

internal static class OpsApi
{
    private const long DefaultNearExpiryMs = 60_000;
    private const long DefaultStuckMs = 300_000;

    public static void MapOps(this IEndpointRouteBuilder app) =>
        app.MapResource("/ops").MapGet("/queue", Queue).Query("near_expiry_ms", "stuck_ms").Answers<QueueOpsResponse>();

    /// <summary>Per-role queue depth and trouble (CONTRACT §8.25); unparsable durations mean the defaults.</summary>
    private static Reply Queue(HttpContext http, IReads reads, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var nearExpiryMs = Query.Long(http, "near_expiry_ms", DefaultNearExpiryMs);
        var stuckMs = Query.Long(http, "stuck_ms", DefaultStuckMs);
        var roles = reads.Queue(now, Limits.SubtractSaturating(now, stuckMs), Limits.AddSaturating(now, nearExpiryMs));
        var limited = LimitedStages(reads, now);
        return Reply.Ok(new QueueOpsResponse(
            roles.Select(r =>
            {
                var stats = new QueueRoleStats(r.Role, r.ClaimableCount, Age(now, r.OldestClaimableCreatedAtMs), r.FailedCount,
                    r.StuckCount, r.NearExpiryLeases);
                return limited.TryGetValue(r.Role, out var stages)
                    ? stats with { ActiveLeases = stages.Sum(s => s.ActiveLeases), MaxConcurrent = stages.Sum(s => s.MaxConcurrent), LimitedStages = stages }
                    : stats;
            }).ToList(),
            now), WireJson.Wire.QueueOpsResponse);
    }

    /// <summary>Per role, its stages with a max_concurrent (EXTENSIONS §12) and their live leases now.</summary>
    private static Dictionary<string, List<LimitedStage>> LimitedStages(IReads reads, long now)
    {
        var byRole = new Dictionary<string, List<LimitedStage>>(StringComparer.Ordinal);
        Dictionary<(string, string), long>? live = null;
        foreach (var pipeline in reads.Pipelines().OrderBy(p => p.Id, StringComparer.Ordinal))
        {
            using var json = System.Text.Json.JsonDocument.Parse(pipeline.DefinitionJson);
            foreach (var stage in Domain.PipelineDefinition.Parse(json.RootElement).Stages.OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                if (stage is not { MaxConcurrent: { } limit, AgentRole: { } role }) continue;
                live ??= reads.LiveLeasesByStage(now).ToDictionary(s => (s.PipelineId, s.Stage), s => s.Count);
                if (!byRole.TryGetValue(role, out var stages)) byRole[role] = stages = [];
                stages.Add(new LimitedStage(pipeline.Id, stage.Name, limit, live.GetValueOrDefault((pipeline.Id, stage.Name))));
            }
        }
        return byRole;
    }

    /// <summary>A task created between reading the clock and reading the queue is 0 ms old, not negative.</summary>
    private static long? Age(long now, long? createdAtMs) => createdAtMs is { } created ? Math.Max(0, now - created) : null;
}
