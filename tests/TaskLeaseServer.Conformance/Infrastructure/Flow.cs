using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;

namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>A pipeline made by <see cref="Flow.CreatePipelineAsync"/> with roles unique to one test.</summary>
public sealed record Pipeline(string Id, string Name, string WorkRole, string ReviewRole);

/// <summary>What a successful claim handed out.</summary>
public sealed record Lease(string TaskId, string RunId, string LeaseId, string Token, long ExpiresAtMs, long Attempt, string AgentId, ApiResponse Response)
{
    public string Auth => Api.Bearer(Token);

    public JsonElement Body => Response.Json;
}

/// <summary>
/// The steps every scenario repeats, as calls on <see cref="Api"/>. Each asserts its own success so
/// a broken precondition reads as such, not as a confusing later failure.
/// </summary>
public static class Flow
{
    public static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// work --submit--> review --approve--> done; work --finish--> done; review --reject--> work;
    /// done and dead are terminal. work belongs to <paramref name="workRole"/>, review to
    /// <paramref name="reviewRole"/>.
    /// </summary>
    public static JsonObject StandardDefinition(string workRole, string reviewRole) => new()
    {
        ["initial"] = "work",
        ["states"] = new JsonObject
        {
            ["work"] = new JsonObject { ["agent_role"] = workRole, ["description"] = "do it" },
            ["review"] = new JsonObject { ["agent_role"] = reviewRole },
            ["done"] = new JsonObject { ["terminal"] = true },
            ["dead"] = new JsonObject { ["terminal"] = true },
        },
        ["transitions"] = new JsonArray
        {
            new JsonObject { ["from"] = "work", ["to"] = "review", ["trigger"] = "submit", ["instructions"] = "please review" },
            new JsonObject { ["from"] = "work", ["to"] = "done", ["trigger"] = "finish" },
            new JsonObject { ["from"] = "review", ["to"] = "done", ["trigger"] = "approve", ["required_gates"] = new JsonArray("tests_pass", "lint") },
            new JsonObject { ["from"] = "review", ["to"] = "work", ["trigger"] = "reject" },
        },
    };

    /// <summary>One claimable stage named <paramref name="stage"/> --finish--> done (terminal).</summary>
    public static JsonObject SingleStageDefinition(string stage, string role) => new()
    {
        ["initial"] = stage,
        ["states"] = new JsonObject
        {
            [stage] = new JsonObject { ["agent_role"] = role },
            ["done"] = new JsonObject { ["terminal"] = true },
        },
        ["transitions"] = new JsonArray { new JsonObject { ["from"] = stage, ["to"] = "done", ["trigger"] = "finish" } },
    };

    public static async Task<Pipeline> CreatePipelineAsync(this Api api, string? workRole = null, string? reviewRole = null)
    {
        workRole ??= Unique("worker");
        reviewRole ??= Unique("reviewer");
        var name = Unique("pipeline");
        var id = await api.CreatePipelineAsync(name, StandardDefinition(workRole, reviewRole));
        return new Pipeline(id, name, workRole, reviewRole);
    }

    public static async Task<string> CreatePipelineAsync(this Api api, string name, JsonNode definition)
    {
        var response = await api.PostAsync("/pipelines", new JsonObject { ["name"] = name, ["definition"] = definition.DeepClone() }.ToJsonString());
        Expect.Status(response, 201);
        return response.Json.GetProperty("id").GetString()!;
    }

    /// <summary>A task body: pipeline_id, title, description plus every property of <paramref name="extra"/>.</summary>
    public static JsonObject TaskBody(string pipelineId, object? extra = null)
    {
        var body = new JsonObject { ["pipeline_id"] = pipelineId, ["title"] = Unique("title"), ["description"] = "a task" };
        Merge(body, extra);
        return body;
    }

    public static void Merge(JsonObject target, object? extra)
    {
        if (extra is null) return;
        var node = extra as JsonObject ?? JsonSerializer.SerializeToNode(extra)!.AsObject();
        foreach (var (key, value) in node.ToList())
        {
            target[key] = value?.DeepClone();
        }
    }

    public static async Task<string> CreateTaskAsync(this Api api, string pipelineId, object? extra = null)
    {
        var response = await api.PostAsync("/tasks", TaskBody(pipelineId, extra).ToJsonString());
        Expect.Status(response, 201);
        return response.Json.GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> GetTaskAsync(this Api api, string id)
    {
        var response = await api.GetAsync("/tasks/" + id);
        Expect.Status(response, 200);
        return response.Json;
    }

    public static JsonObject ClaimBody(string role, string? agent = null, long? ttl = null, object? concurrency = null)
    {
        var body = new JsonObject { ["agent_id"] = agent ?? "agent-" + role, ["agent_role"] = role };
        if (ttl is not null) body["lease_ttl_ms"] = ttl;
        if (concurrency is not null) body["concurrency"] = (concurrency as JsonNode)?.DeepClone() ?? JsonSerializer.SerializeToNode(concurrency);
        return body;
    }

    /// <summary>Claims for <paramref name="role"/>; null when the server answered 204.</summary>
    public static async Task<Lease?> ClaimAsync(this Api api, string role, string? agent = null, long? ttl = null, object? concurrency = null)
    {
        var body = ClaimBody(role, agent, ttl, concurrency);
        var response = await api.PostAsync("/leases/claim", body.ToJsonString());
        if (response.Status == 204) return null;
        Expect.Status(response, 200);
        return ToLease(response, body["agent_id"]!.GetValue<string>());
    }

    public static Lease ToLease(ApiResponse response, string agent)
    {
        var json = response.Json;
        var run = json.GetProperty("run");
        return new Lease(
            json.GetProperty("task").GetProperty("id").GetString()!,
            run.GetProperty("id").GetString()!,
            json.GetProperty("lease_id").GetString()!,
            json.GetProperty("lease_token").GetString()!,
            json.GetProperty("expires_at_ms").GetInt64(),
            run.GetProperty("attempt").GetInt64(),
            agent,
            response);
    }

    /// <summary>Claims and insists on getting work.</summary>
    public static async Task<Lease> ClaimOneAsync(this Api api, string role, string? agent = null, long? ttl = null, object? concurrency = null)
    {
        var lease = await api.ClaimAsync(role, agent, ttl, concurrency);
        lease.Should().NotBeNull("a claim for role {0} should have found work", role);
        return lease!;
    }

    public static Task<ApiResponse> HeartbeatAsync(this Api api, Lease lease, string? auth = null) =>
        api.PostAsync($"/leases/{lease.LeaseId}/heartbeat", "{}", auth ?? lease.Auth);

    public static Task<ApiResponse> TransitionAsync(this Api api, Lease lease, string trigger, object? extra = null, string? auth = null)
    {
        var body = new JsonObject { ["trigger"] = trigger };
        Merge(body, extra);
        return api.PostAsync($"/runs/{lease.RunId}/transition", body.ToJsonString(), auth ?? lease.Auth);
    }

    public static Task<ApiResponse> FailAsync(this Api api, Lease lease, string error = "boom", string? auth = null) =>
        api.PostAsync($"/runs/{lease.RunId}/fail", new JsonObject { ["error"] = error }.ToJsonString(), auth ?? lease.Auth);

    public static Task<ApiResponse> AppendEventAsync(this Api api, Lease lease, string kind, JsonNode? data = null, string? auth = null)
    {
        var body = new JsonObject { ["kind"] = kind };
        if (data is not null) body["data"] = data.DeepClone();
        return api.PostAsync($"/runs/{lease.RunId}/events", body.ToJsonString(), auth ?? lease.Auth);
    }

    /// <summary>Every event of a run, following next_cursor.</summary>
    public static Task<List<JsonElement>> AllEventsAsync(this Api api, string runId, int limit = 1000) =>
        api.AllPagesAsync($"/runs/{runId}/events?limit={limit}");

    /// <summary>Every task of a pipeline, following next_cursor.</summary>
    public static Task<List<JsonElement>> AllTasksAsync(this Api api, string pipelineId, int limit = 1000) =>
        api.AllPagesAsync($"/tasks?pipeline_id={pipelineId}&limit={limit}");

    /// <summary>Every item of a paginated list (a path with its query), following next_cursor to the end.</summary>
    private static async Task<List<JsonElement>> AllPagesAsync(this Api api, string firstPage)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        for (var page = 0; page < 10_000; page++)
        {
            var response = await api.GetAsync(firstPage + (cursor is null ? "" : "&cursor=" + cursor));
            Expect.Status(response, 200);
            all.AddRange(response.Json.GetProperty("items").EnumerateArray().Select(e => e.Clone()));
            var next = response.Json.GetProperty("next_cursor");
            if (next.ValueKind == JsonValueKind.Null) return all;
            cursor = next.GetString();
        }
        throw new Xunit.Sdk.XunitException($"pagination of {firstPage} did not end");
    }

    /// <summary>A well-formed (64 hex) token that matches no lease.</summary>
    public static string ForeignToken() => Convert.ToHexString(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray()).ToLowerInvariant();

    public static long Int(this JsonElement element, string property) => element.GetProperty(property).GetInt64();

    public static string? Str(this JsonElement element, string property) => element.GetProperty(property).GetString();
}
