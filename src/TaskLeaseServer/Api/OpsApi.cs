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
        return Reply.Ok(new QueueOpsResponse(
            roles.Select(r => new QueueRoleStats(r.Role, r.ClaimableCount, Age(now, r.OldestClaimableCreatedAtMs), r.FailedCount,
                r.StuckCount, r.NearExpiryLeases)).ToList(),
            now), WireJson.Wire.QueueOpsResponse);
    }

    /// <summary>A task created between reading the clock and reading the queue is 0 ms old, not negative.</summary>
    private static long? Age(long now, long? createdAtMs) => createdAtMs is { } created ? Math.Max(0, now - created) : null;
}
