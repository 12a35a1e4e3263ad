using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Api;

internal static class Routes
{
    /// <summary>A resource's route group; every route in it takes part in idempotency (CONTRACT §4).</summary>
    public static RouteGroupBuilder MapResource(this IEndpointRouteBuilder app, string prefix) =>
        app.MapGroup(prefix).AddEndpointFilter<IdempotencyFilter>();

    /// <summary>
    /// The presented lease token's hash (CONTRACT §3.2 steps 1-2): no bearer, or not exactly 64 hex
    /// characters, is 401 before any lookup.
    /// </summary>
    public static byte[] LeaseTokenHash(HttpContext context, string missing)
    {
        var bearer = ApiTokenAuth.BearerOf(context) ?? throw ApiError.Unauthorized(missing);
        return LeaseToken.HashOf(bearer) ?? throw ApiError.Unauthorized("token does not match");
    }
}
