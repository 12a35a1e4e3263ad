using System.Text.Json;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;

namespace TaskLeaseServer.Api;

internal static class LeasesApi
{
    public static void MapLeases(this IEndpointRouteBuilder app)
    {
        var leases = app.MapResource("/leases");
        leases.MapPost("/claim", Claim).ForAgents().Accepts<LeaseClaimRequest>().Answers<ClaimResponse>().AnswersEmpty().Errors(400);
        leases.MapPost("/{id}/heartbeat", Heartbeat).WithMetadata(new NoIdempotency()).LeaseToken()
            .Accepts<HeartbeatRequest>().Answers<HeartbeatResponse>().Errors(401, 404, 410);
        leases.MapPost("/{id}/release", Release).LeaseToken().Answers<StatusResponse>().Errors(401, 404, 410);
    }

    private static Task<Reply> Claim(HttpContext http, Writes writes)
    {
        var request = ParseClaim(JsonBody.Parse(RequestBody.Of(http)));
        return writes.Run(http, unit => Claims.Claim(unit, request) is { } claimed
            ? Reply.Ok(new ClaimResponse(claimed.Task.ToWire(unit.Now), claimed.Run.ToWire(), claimed.LeaseId, claimed.LeaseToken,
                claimed.ExpiresAtMs), WireJson.Wire.ClaimResponse)
            // "No work" is an answer about now, not about this request: never replayed (W9).
            : new Reply(204, []) { Recordable = false });
    }

    private static Task<Reply> Heartbeat(string id, HttpContext http, Writes writes)
    {
        var hash = Routes.LeaseTokenHash(http, "no usable Authorization header: send \"Authorization: Bearer <lease_token>\"");
        var requestedTtl = OptionalTtl(RequestBody.Of(http));
        return writes.Run(http, unit =>
            Reply.Ok(new HeartbeatResponse(LeaseHolder.Heartbeat(unit, id, hash, requestedTtl)), WireJson.Wire.HeartbeatResponse));
    }

    private static Task<Reply> Release(string id, HttpContext http, Writes writes)
    {
        var hash = Routes.LeaseTokenHash(http, "no usable Authorization header: send \"Authorization: Bearer <lease_token>\"");
        return writes.Run(http, unit =>
        {
            LeaseHolder.Release(unit, id, hash);
            return Reply.Ok(new StatusResponse("released"), WireJson.Wire.StatusResponse);
        });
    }

    /// <summary>Heartbeat bodies are ignored by the contract; an optional lease_ttl_ms is an extension.</summary>
    private static long? OptionalTtl(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty) return null;
        try
        {
            return JsonBody.Parse(body).OptionalLong("lease_ttl_ms");
        }
        catch (ApiError)
        {
            return null;
        }
    }

    private static ClaimRequest ParseClaim(JsonBody body)
    {
        var agentId = body.RequiredString("agent_id");
        var role = body.RequiredString("agent_role");
        var ttl = LeasePolicy.ClaimTtl(body.OptionalLong("lease_ttl_ms"));
        var limits = new Dictionary<string, long>(StringComparer.Ordinal);
        if (body.OptionalObject("concurrency") is { } concurrency &&
            concurrency.Element.TryGetProperty("per_state", out var perState) && perState.ValueKind == JsonValueKind.Object)
        {
            foreach (var stage in perState.EnumerateObject()) limits[stage.Name] = PerStateLimit(stage.Value);
        }
        return new ClaimRequest(agentId, role, ttl, limits);
    }

    /// <summary>An integer as-is, a fraction truncated toward zero, anything else 0 = no limit (§7.7 rule 7).</summary>
    private static long PerStateLimit(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number) return 0;
        if (value.TryGetInt64(out var n)) return n;
        var d = Math.Truncate(value.GetDouble());
        return d >= long.MaxValue ? long.MaxValue : d <= long.MinValue ? long.MinValue : (long)d;
    }
}
