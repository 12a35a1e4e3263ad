using System.Net;
using System.Text.Json;

namespace TaskLeaseServer.Tests.Support;

/// <summary>A claimed task as a test holds it.</summary>
public sealed record Lease(string TaskId, string RunId, string LeaseId, string Token, long ExpiresAtMs, long Attempt);

/// <summary>Building blocks: a standard pipeline, tasks, claims.</summary>
public static class Scenario
{
    /// <summary>todo (coder) → review (reviewer) → done (terminal); review can reject back to todo.</summary>
    public const string TwoStage = """
        {"initial":"todo","states":{"todo":{"agent_role":"coder"},"review":{"agent_role":"reviewer"},"done":{"terminal":true},"dead":{"terminal":true}},
         "transitions":[{"from":"todo","to":"review","trigger":"submit","instructions":"please review"},
                        {"from":"review","to":"done","trigger":"approve"},{"from":"review","to":"todo","trigger":"reject"}]}
        """;

    public static async Task<string> Pipeline(this HttpClient http, string definition = TwoStage, string? name = null)
    {
        var answer = await http.Post("/pipelines", $$"""{"name":{{JsonSerializer.Serialize(name ?? Guid.NewGuid().ToString())}},"definition":{{definition}}}""");
        return answer.Expect(HttpStatusCode.Created).Str("id");
    }

    /// <summary>Creates a task; <paramref name="extra"/> is spliced into the body (e.g. <c>"priority":5</c>).</summary>
    public static async Task<string> NewTask(this HttpClient http, string pipelineId, string extra = "")
    {
        var body = $$"""{"pipeline_id":"{{pipelineId}}","title":"t","description":"d"{{(extra.Length > 0 ? "," + extra : "")}}}""";
        return (await http.Post("/tasks", body)).Expect(HttpStatusCode.Created).Str("id");
    }

    public static async Task<Lease?> Claim(this HttpClient http, string role, string agent = "agent-1", string extra = "")
    {
        var answer = await http.Post("/leases/claim",
            $$"""{"agent_id":"{{agent}}","agent_role":"{{role}}"{{(extra.Length > 0 ? "," + extra : "")}}}""");
        if (answer.Status == HttpStatusCode.NoContent) return null;
        answer.Expect(HttpStatusCode.OK);
        var run = answer.Body.GetProperty("run");
        return new Lease(answer.Body.GetProperty("task").GetProperty("id").GetString()!, run.GetProperty("id").GetString()!,
            answer.Str("lease_id"), answer.Str("lease_token"), answer.Long("expires_at_ms"), run.GetProperty("attempt").GetInt64());
    }

    public static Task<Answer> Transition(this HttpClient http, Lease lease, string trigger, string extra = "") =>
        http.Post($"/runs/{lease.RunId}/transition",
            $$"""{"trigger":"{{trigger}}"{{(extra.Length > 0 ? "," + extra : "")}}}""", lease.Token);

    public static Task<Answer> Fail(this HttpClient http, Lease lease, string error = "boom") =>
        http.Post($"/runs/{lease.RunId}/fail", $$"""{"error":"{{error}}"}""", lease.Token);

    public static async Task<JsonElement> Task(this HttpClient http, string taskId) =>
        (await http.Get($"/tasks/{taskId}")).Expect(HttpStatusCode.OK).Body;

    public static async Task<List<JsonElement>> Events(this HttpClient http, string runId) =>
        (await http.Get($"/runs/{runId}/events?limit=1000")).Expect(HttpStatusCode.OK)
            .Body.GetProperty("items").EnumerateArray().ToList();
}
