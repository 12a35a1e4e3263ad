using System.Text;
using System.Text.Json;
using TaskLeaseServer.Client;

namespace TaskLeaseServer.Bench.Harness;

/// <summary>A claim as an agent holds it.</summary>
public sealed record Claimed(string TaskId, string RunId, string LeaseId, string Token);

/// <summary>Request bodies and the few response fields the bench reads (CONTRACT §8).</summary>
public static class Wire
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Quote(string text) => JsonSerializer.Serialize(text);

    /// <summary>Set-up: a pipeline from its definition's JSON text; a refusal throws (typed) and ends the run.</summary>
    public static Task<string> CreatePipeline(TaskLeaseClient client, string name, string definition)
    {
        using var doc = JsonDocument.Parse(definition);
        return client.CreatePipelineAsync(name, doc.RootElement.Clone());
    }

    /// <summary>A /tasks/bulk body of <paramref name="count"/> identical tasks (well under the 64 KiB limit at 250).</summary>
    public static byte[] BulkBody(string pipelineId, int count, long priority = 0, string? dependsOn = null)
    {
        var deps = dependsOn is null ? "" : $",\"dependencies\":[{Quote(dependsOn)}]";
        var item = $$"""{"pipeline_id":"{{pipelineId}}","title":"bench task","description":"seeded by the benchmark","priority":{{priority}}{{deps}}}""";
        return Utf8("{\"tasks\":[" + string.Join(',', Enumerable.Repeat(item, count)) + "]}");
    }

    public static byte[] ClaimBody(string agentId, string role) =>
        Utf8($$"""{"agent_id":{{Quote(agentId)}},"agent_role":{{Quote(role)}},"lease_ttl_ms":300000}""");

    public static Claimed? ParseClaim(Answer answer)
    {
        if (answer.Status != 200) return null;
        using var doc = JsonDocument.Parse(answer.Body);
        var root = doc.RootElement;
        return new Claimed(root.GetProperty("task").GetProperty("id").GetString()!, root.GetProperty("run").GetProperty("id").GetString()!,
            root.GetProperty("lease_id").GetString()!, root.GetProperty("lease_token").GetString()!);
    }
}
