using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Hosting;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

internal static class HealthApi
{
    public static void MapHealth(this IEndpointRouteBuilder app) =>
        app.MapResource("/health").MapGet("", Health).Open().Answers<HealthResponse>();

    private static Reply Health(IReads reads, TimeProvider time)
    {
        var (stages, active) = reads.Health(time.GetUtcNow().ToUnixTimeMilliseconds());
        return Reply.Ok(new HealthResponse("ok", ServerInfo.Version,
            stages.Select(s => new HealthStageCount(s.Stage, s.Count)).ToList(), active), WireJson.Wire.HealthResponse);
    }
}
