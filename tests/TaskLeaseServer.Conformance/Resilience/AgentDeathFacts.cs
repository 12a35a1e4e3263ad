using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Resilience;

/// <summary>Issue 3: what operators read agrees with reality soon after an agent dies, without any claim.</summary>
public sealed class AgentDeathFacts
{
    [Fact]
    public async Task HealthAndOpsQueue_ForgetADeadAgentsLease_WithinSeconds_WithoutAClaim()
    {
        await using var server = await ServerProcess.StartAsync(new ServerOptions { SweepIntervalMs = 200 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var role = "mortal-" + Guid.NewGuid().ToString("N")[..8];
        var pipeline = await (await http.PostAsync("/pipelines", Json($$"""
            {"name":"{{role}}","definition":{"initial":"work","states":{"work":{"agent_role":"{{role}}"},"done":{"terminal":true} },
             "transitions":[{"from":"work","to":"done","trigger":"finish"}]} }
            """))).Content.ReadFromJsonAsync<JsonElement>();
        (await http.PostAsync("/tasks", Json($$"""{"pipeline_id":"{{pipeline.GetProperty("id").GetString()}}","title":"t","description":""}""")))
            .EnsureSuccessStatusCode();
        (await http.PostAsync("/leases/claim", Json($$"""{"agent_id":"doomed","agent_role":"{{role}}","lease_ttl_ms":1000}""")))
            .EnsureSuccessStatusCode();

        (await ActiveLeases(http)).Should().Be(1);
        (await Stuck(http, role)).Should().Be(1, "with stuck_ms=0 every running run counts");

        // The agent dies: no heartbeat, no claim from anyone. The sweeper alone must catch up.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await ActiveLeases(http) > 0 || await Stuck(http, role) > 0) && DateTime.UtcNow < deadline) await Task.Delay(100);

        (await ActiveLeases(http)).Should().Be(0);
        (await Stuck(http, role)).Should().Be(0);
        var queue = await Role(http, role);
        queue.GetProperty("claimable_count").GetInt64().Should().Be(1, "the abandoned task is back in the queue");
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task<long> ActiveLeases(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("/health")).GetProperty("active_leases").GetInt64();

    private static async Task<long> Stuck(HttpClient http, string role) =>
        (await Role(http, role)).GetProperty("stuck_count").GetInt64();

    private static async Task<JsonElement> Role(HttpClient http, string role) =>
        (await http.GetFromJsonAsync<JsonElement>("/ops/queue?stuck_ms=0")).GetProperty("roles").EnumerateArray()
            .Single(r => r.GetProperty("role").GetString() == role);
}
