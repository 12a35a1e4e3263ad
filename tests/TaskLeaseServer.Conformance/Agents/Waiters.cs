using System.Diagnostics;
using System.Text;
using System.Text.Json;
using TaskLeaseServer.Conformance.Infrastructure;

namespace TaskLeaseServer.Conformance.Agents;

/// <summary>A long-poll claim in flight: its answer, and the moment (Stopwatch ticks) the answer arrived.</summary>
public sealed record Waiter(Task<(ApiResponse Response, long AnsweredAt)> Answer, CancellationTokenSource Abort);

/// <summary>
/// Long-poll claims (EXTENSIONS §2) as an agent sends them, over a client of their own so a waiting
/// request never holds up the fact's other calls, and the server's count of waiting claims
/// (<c>GET /ops/roles</c> <c>waiting_claims</c>), which tells a fact when a waiter is queued without sleeping.
/// </summary>
public static class Waiters
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 1000 }) { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Sends a claim with <paramref name="waitMs"/> and returns once the server counts it among the role's waiters.</summary>
    public static async Task<Waiter> StartAsync(Api api, string role, string agent, long waitMs = 30_000)
    {
        var before = await WaitingAsync(api, role);
        var abort = new CancellationTokenSource();
        var answer = SendAsync(api.BaseAddress, role, agent, waitMs, abort.Token);
        await Eventually.TrueAsync(async () => answer.IsCompleted || await WaitingAsync(api, role) > before, TimeSpan.FromSeconds(20),
            $"the claim of {agent} to wait for role {role}", pollMs: 10);
        return new Waiter(answer, abort);
    }

    public static async Task<(ApiResponse Response, long AnsweredAt)> SendAsync(Uri server, string role, string agent, long waitMs,
        CancellationToken cancel = default)
    {
        var body = $$"""{"agent_id":"{{agent}}","agent_role":"{{role}}","wait_ms":{{waitMs}}}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, "/leases/claim"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        using var response = await Http.SendAsync(request, cancel);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancel);
        var at = Stopwatch.GetTimestamp();
        return (new ApiResponse("POST", "/leases/claim", (int)response.StatusCode, bytes, response.Content.Headers.ContentType?.MediaType,
            new Dictionary<string, string>()), at);
    }

    /// <summary>The role's <c>waiting_claims</c> on the node <paramref name="api"/> talks to (0 for a role it does not list).</summary>
    public static async Task<long> WaitingAsync(Api api, string role)
    {
        var roles = await api.GetAsync("/ops/roles");
        Expect.Status(roles, 200);
        return roles.Json.GetProperty("items").EnumerateArray()
            .Where(r => r.GetProperty("role").GetString() == role)
            .Select(r => r.GetProperty("waiting_claims").GetInt64()).FirstOrDefault();
    }

    public static string TaskId(ApiResponse claim)
    {
        Expect.Status(claim, 200);
        return claim.Json.GetProperty("task").GetProperty("id").GetString()!;
    }

    public static double Ms(long fromTicks, long toTicks) => (toTicks - fromTicks) * 1000.0 / Stopwatch.Frequency;

    public static JsonElement Items(ApiResponse page)
    {
        Expect.Status(page, 200);
        return page.Json.GetProperty("items");
    }
}
