using FluentAssertions;
using TaskLeaseServer.Client;
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
        var client = new TaskLeaseClient(server.BaseAddress);
        var role = "mortal-" + Guid.NewGuid().ToString("N")[..8];
        var pipeline = await client.CreatePipelineAsync(role, new
        {
            initial = "work",
            states = new Dictionary<string, object> { ["work"] = new { agent_role = role }, ["done"] = new { terminal = true } },
            transitions = new[] { new { from = "work", to = "done", trigger = "finish" } },
        });
        await client.CreateTaskAsync(new NewTask(pipeline, "t"));
        (await client.ClaimAsync(new ClaimRequest("doomed", role) { LeaseTtlMs = 1000 })).Should().NotBeNull();

        (await client.GetHealthAsync()).ActiveLeases.Should().Be(1);
        (await Role(client, role)).StuckCount.Should().Be(1, "with stuck_ms=0 every running run counts");

        // The agent dies: no heartbeat, no claim from anyone. The sweeper alone must catch up.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (((await client.GetHealthAsync()).ActiveLeases > 0 || (await Role(client, role)).StuckCount > 0) && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        (await client.GetHealthAsync()).ActiveLeases.Should().Be(0);
        var queue = await Role(client, role);
        queue.StuckCount.Should().Be(0);
        queue.ClaimableCount.Should().Be(1, "the abandoned task is back in the queue");
    }

    private static async Task<QueueRole> Role(TaskLeaseClient client, string role) =>
        (await client.GetQueueAsync(stuckMs: 0)).Roles.Single(r => r.Role == role);
}
