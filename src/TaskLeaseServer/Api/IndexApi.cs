using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Api.Wire;
using TaskLeaseServer.Hosting;

namespace TaskLeaseServer.Api;

/// <summary>
/// GET / : what a browser or curl meets first (it was a JSON 404, issue 14). Open in token mode
/// like /health: it tells nothing /health does not.
/// </summary>
internal static class IndexApi
{
    private static readonly ServerIndex Index = new(ServerInfo.Name, ServerInfo.Version,
        "Durable tasks and leases for AI agents; wire-compatible with nullTickets.",
        new IndexLinks("/health", "/openapi.json", "/swagger"));

    public static void MapIndex(this IEndpointRouteBuilder app) =>
        app.MapResource("/").MapGet("", () => Reply.Ok(Index, WireJson.Wire.ServerIndex)).Open().Answers<ServerIndex>()
            .WithSummary("What this server is, and where its health, API document and API explorer are");
}
