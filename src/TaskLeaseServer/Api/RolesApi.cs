using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

/// <summary>
/// Role controls (EXTENSIONS §9): pause, resume and drain one role or every role, and the role view.
/// A drain pauses in one unit, then waits with no connection or unit held, re-counting the role's
/// live leases every <see cref="DrainPollMs"/> ms (a lease ended on any node is seen at the next
/// count). Drains take no Idempotency-Key: a retried drain pauses again (no change) and waits again.
/// </summary>
internal static class RolesApi
{
    public const long DrainPollMs = 100;
    public const long DefaultDrainMs = 30_000;
    public const long MaxDrainMs = 300_000;

    public static void MapRoles(this IEndpointRouteBuilder app)
    {
        var ops = app.MapResource("/ops");
        ops.MapGet("/roles", List).Answers<RoleList>();
        ops.MapGet("/events", Events).Query("limit", "cursor").Answers<Page<RoleEventView>>().Errors(400);
        ops.MapPost("/roles/{role}/pause", Pause).Accepts<RolePauseRequest>().Answers<RoleControlResponse>().Errors(400, 403, 404);
        ops.MapPost("/roles/{role}/resume", Resume).Answers<RoleControlResponse>().Errors(403, 404);
        ops.MapPost("/roles/{role}/drain", Drain).WithMetadata(new NoIdempotency()).Accepts<DrainRequest>().Answers<DrainResponse>()
            .Errors(400, 403, 404);
        ops.MapPost("/pause", PauseAll).Accepts<RolePauseRequest>().Answers<RolesControlResponse>().Errors(400, 403);
        ops.MapPost("/resume", ResumeAll).Answers<RolesControlResponse>().Errors(403);
        ops.MapPost("/drain", DrainAll).WithMetadata(new NoIdempotency()).Accepts<DrainRequest>().Answers<DrainAllResponse>().Errors(400, 403);
    }

    /// <summary>waiting_claims counts the long-poll claims waiting on the node that answers (each node has its own waiters).</summary>
    private static Reply List(IReads reads, ClaimWaiters waiters, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var items = reads.Roles(now).Select(r => new RoleView(r.Role, r.Paused, r.Paused && r.DrainRequested && r.ActiveLeases > 0,
            r.Reason, r.ClaimableCount, r.ActiveLeases, waiters.WaitingFor(r.Role))).ToList();
        return Reply.Ok(new RoleList(items), WireJson.Wire.RoleList);
    }

    private static Reply Events(HttpContext http, IReads reads)
    {
        var limit = Query.Limit(http, 100);
        var after = Cursor.ParseId(Query.Value(http, "cursor"));
        return Paging.Reply(reads.RoleEvents(after, limit), e => new RoleEventView(e.Id, e.TsMs, e.Kind, e.Role, new RawJson(e.DataJson)),
            e => Cursor.Of(e.Id), WireJson.Wire.PageRoleEventView);
    }

    private static Task<Reply> Pause(string role, HttpContext http, Writes writes)
    {
        var reason = Body(http)?.OptionalString("reason");
        var actor = Caller.Of(http).Actor;
        return writes.Run(http, unit =>
        {
            RoleControls.RequireKnown(unit, role);
            RoleControls.Pause(unit, role, reason, drain: false, actor);
            return Reply.Ok(new RoleControlResponse(role, true), WireJson.Wire.RoleControlResponse);
        });
    }

    private static Task<Reply> Resume(string role, HttpContext http, Writes writes)
    {
        var actor = Caller.Of(http).Actor;
        return writes.Run(http, unit =>
        {
            RoleControls.RequireKnown(unit, role);
            RoleControls.Resume(unit, role, actor);
            return Reply.Ok(new RoleControlResponse(role, false), WireJson.Wire.RoleControlResponse);
        });
    }

    private static async Task<Reply> Drain(string role, HttpContext http, Writes writes, IReads reads, TimeProvider time)
    {
        var (timeout, reason) = DrainBody(http);
        var actor = Caller.Of(http).Actor;
        var paused = await writes.Run(http, unit =>
        {
            RoleControls.RequireKnown(unit, role);
            RoleControls.Pause(unit, role, reason, drain: true, actor);
            return Reply.NoContent();
        });
        if (paused.Status >= 400) return paused;
        var (remaining, timedOut) = await WaitForNoLeases(role, timeout, reads, time, http.RequestAborted);
        return Reply.Ok(new DrainResponse(role, remaining, timedOut), WireJson.Wire.DrainResponse);
    }

    private static Task<Reply> PauseAll(HttpContext http, Writes writes)
    {
        var reason = Body(http)?.OptionalString("reason");
        var actor = Caller.Of(http).Actor;
        return writes.Run(http, unit =>
        {
            var roles = unit.Roles.Known();
            foreach (var role in roles) RoleControls.Pause(unit, role, reason, drain: false, actor);
            return Reply.Ok(new RolesControlResponse(roles, true), WireJson.Wire.RolesControlResponse);
        });
    }

    private static Task<Reply> ResumeAll(HttpContext http, Writes writes)
    {
        var actor = Caller.Of(http).Actor;
        return writes.Run(http, unit =>
        {
            var roles = unit.Roles.Known();
            foreach (var role in roles) RoleControls.Resume(unit, role, actor);
            return Reply.Ok(new RolesControlResponse(roles, false), WireJson.Wire.RolesControlResponse);
        });
    }

    private static async Task<Reply> DrainAll(HttpContext http, Writes writes, IReads reads, TimeProvider time)
    {
        var (timeout, reason) = DrainBody(http);
        var actor = Caller.Of(http).Actor;
        IReadOnlyList<string> roles = [];
        var paused = await writes.Run(http, unit =>
        {
            roles = unit.Roles.Known();
            foreach (var role in roles) RoleControls.Pause(unit, role, reason, drain: true, actor);
            return Reply.NoContent();
        });
        if (paused.Status >= 400) return paused;
        var (remaining, timedOut) = await WaitForNoLeases(null, timeout, reads, time, http.RequestAborted);
        return Reply.Ok(new DrainAllResponse(roles, remaining, timedOut), WireJson.Wire.DrainAllResponse);
    }

    /// <summary>Counts the live leases (of the role, or of every role) until none is left or the timeout passes.</summary>
    private static async Task<(long Remaining, bool TimedOut)> WaitForNoLeases(string? role, long timeoutMs, IReads reads, TimeProvider time,
        CancellationToken aborted)
    {
        var deadline = time.GetUtcNow().ToUnixTimeMilliseconds() + timeoutMs;
        while (true)
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var remaining = reads.ActiveLeases(role, now);
            if (remaining == 0) return (0, false);
            if (now >= deadline) return (remaining, true);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(DrainPollMs, deadline - now)), time, aborted);
        }
    }

    private static JsonBody? Body(HttpContext http)
    {
        var body = RequestBody.Of(http);
        return body.IsEmpty ? null : JsonBody.Parse(body);
    }

    private static (long TimeoutMs, string? Reason) DrainBody(HttpContext http)
    {
        var body = Body(http);
        var timeout = body?.OptionalLong("timeout_ms") ?? DefaultDrainMs;
        if (timeout is < 0 or > MaxDrainMs)
            throw new ApiError(400, "invalid_request", $"`timeout_ms` must be 0..{MaxDrainMs} (default {DefaultDrainMs})");
        return (timeout, body?.OptionalString("reason"));
    }
}
