using System.Text;
using System.Text.Json;

namespace TaskLeaseServer.Bench.Harness;

/// <summary>A claim as an agent holds it.</summary>
public sealed record Claimed(string TaskId, string RunId, string LeaseId, string Token);

/// <summary>Request bodies and the few response fields the bench reads (CONTRACT §8).</summary>
public static class Wire
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Quote(string text) => JsonSerializer.Serialize(text);

    public static async Task<string> CreatePipeline(BenchClient client, string name, string definition)
    {
        var answer = await client.Post("/pipelines", Utf8($$"""{"name":{{Quote(name)}},"definition":{{definition}}}"""), 201);
        return IdOf(answer);
    }

    public static string IdOf(Answer answer)
    {
        if (answer.Status is < 200 or >= 300) throw new InvalidOperationException($"setup failed: {answer.Status} {answer.Text}");
        using var doc = JsonDocument.Parse(answer.Body);
        return doc.RootElement.GetProperty("id").GetString()!;
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
