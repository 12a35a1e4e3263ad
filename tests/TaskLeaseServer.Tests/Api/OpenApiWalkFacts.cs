using System.Net;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>
/// The document's examples, sent as a client would send them from it alone: in this order, on a
/// fresh server in API-token mode, each answers its documented success. Example ids are replaced by
/// the ids the server answered, learned by laying each response example over the real answer.
/// </summary>
public sealed class OpenApiWalkFacts
{
    private const string ApiToken = "walk-token";

    /// <summary>A sensible order; claim appears three times because three operations each end a lease.</summary>
    private static readonly string[] Order =
    [
        "GET /", "GET /health", "GET /openapi.json", "GET /.well-known/openapi.json",
        "POST /pipelines", "GET /pipelines", "GET /pipelines/{id}",
        "POST /tasks", "POST /tasks/bulk", "GET /tasks", "GET /tasks/{id}", "GET /tasks/{id}/run-state",
        "POST /tasks/{id}/dependencies", "GET /tasks/{id}/dependencies",
        "POST /tasks/{id}/assignments", "GET /tasks/{id}/assignments", "DELETE /tasks/{id}/assignments/{agent_id}",
        "GET /tasks/{id}/inspect", "PATCH /tasks/{id}", "POST /tasks/{id}/pause", "POST /tasks/{id}/resume",
        "POST /tasks/{id}/cancel", "POST /tasks/{id}/requeue",
        "POST /tasks/bulk/pause", "POST /tasks/bulk/resume", "POST /tasks/bulk/cancel", "POST /tasks/bulk/requeue",
        "POST /leases/claim", "POST /leases/{id}/heartbeat", "POST /runs/{id}/events", "GET /runs/{id}/events", "POST /runs/{id}/transition",
        "GET /runs/{id}", "GET /tasks/{id}/runs", "GET /tasks/{id}/events",
        "GET /runs/{id}/events/stream", "GET /tasks/{id}/events/stream", "GET /events/stream",
        "POST /leases/claim", "POST /runs/{id}/fail",
        "POST /leases/claim", "POST /leases/{id}/release",
        "POST /artifacts", "GET /artifacts", "GET /ops/queue",
        "PUT /store/{namespace}/{key}", "GET /store/{namespace}/{key}", "GET /store/{namespace}", "GET /store/search",
        "POST /v1/traces", "POST /otlp/v1/traces", "GET /spans",
        "DELETE /store/{namespace}/{key}", "DELETE /store/{namespace}",
        "POST /ops/keys", "GET /ops/keys", "DELETE /ops/keys/{id}",
        "POST /ops/roles/{role}/pause", "GET /ops/roles", "POST /ops/roles/{role}/resume", "POST /ops/roles/{role}/drain",
        "POST /ops/pause", "POST /ops/drain", "POST /ops/resume", "GET /ops/events",
        "DELETE /tasks/{id}/dependencies/{upstream_id}", "POST /tasks/bulk/delete", "DELETE /tasks/{id}",
    ];

    [Fact]
    public async Task EveryOperationsExample_SucceedsWhenSentInOrder_OnAFreshServer()
    {
        await using var server = new ServerFixture { ApiToken = ApiToken };
        var doc = (await server.Http.Get("/openapi.json")).Expect(HttpStatusCode.OK).Body;
        Operations(doc).Should().BeEquivalentTo(Order.Distinct(), "every operation of the document has a place in the walk");
        var leaseTokenExample = doc.GetProperty("paths").GetProperty("/leases/claim").GetProperty("post").GetProperty("responses")
            .GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("example").GetProperty("lease_token").GetString()!;

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var step in Order)
        {
            var (method, route) = (step[..step.IndexOf(' ')], step[(step.IndexOf(' ') + 1)..]);
            var operation = doc.GetProperty("paths").GetProperty(route).GetProperty(method.ToLowerInvariant());
            using var request = BuildRequest(method, route, operation, seen, leaseTokenExample);
            if (IsStream(operation))
            {
                // A stream never ends: its documented success is the 200 and the event-stream type.
                using var stream = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                ((int)stream.StatusCode).Should().Be(200, "{0} {1} opens", method, request.RequestUri);
                stream.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
                continue;
            }
            using var response = await server.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();

            var expected = ExpectedStatus(operation);
            ((int)response.StatusCode).Should().Be(expected, "{0} {1} answered {2}", method, request.RequestUri, text);
            if (method != "GET" && ResponseExample(operation, expected) is { } example)
                Learn(example, JsonDocument.Parse(text).RootElement, seen);
        }
    }

    internal static bool IsStream(JsonElement operation) =>
        operation.GetProperty("responses").TryGetProperty("200", out var ok) && ok.TryGetProperty("content", out var content) &&
        content.TryGetProperty("text/event-stream", out _);

    internal static IEnumerable<string> Operations(JsonElement doc) =>
        doc.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(op => op.Name.ToUpperInvariant() + " " + p.Name));

    private static HttpRequestMessage BuildRequest(string method, string route, JsonElement operation, Dictionary<string, string> seen,
        string leaseTokenExample)
    {
        var path = route;
        var query = new List<string>();
        foreach (var parameter in operation.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray() : default)
        {
            if (!parameter.TryGetProperty("example", out var example)) continue;
            var value = Uri.EscapeDataString(Replace(example.ValueKind == JsonValueKind.String ? example.GetString()! : example.GetRawText(), seen));
            var name = parameter.GetProperty("name").GetString()!;
            if (parameter.GetProperty("in").GetString() == "path") path = path.Replace("{" + name + "}", value, StringComparison.Ordinal);
            else query.Add(name + "=" + value);
        }
        path.Should().NotContain("{", "every path parameter of {0} has an example", route);

        var request = new HttpRequestMessage(new HttpMethod(method), path + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
        if (operation.TryGetProperty("requestBody", out var body))
        {
            var json = body.GetProperty("content").GetProperty("application/json");
            json.TryGetProperty("example", out var example).Should().BeTrue("{0} {1} has a body example", method, route);
            request.Content = new StringContent(Replace(example.GetRawText(), seen), Encoding.UTF8, "application/json");
        }
        var schemes = operation.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList();
        if (schemes.Contains("apiToken")) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + ApiToken);
        else if (schemes.Contains("bearerAuth")) request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Replace(leaseTokenExample, seen));
        return request;
    }

    /// <summary>The documented success; for the one route that has none (run-state), its documented answer to an authorized call.</summary>
    private static int ExpectedStatus(JsonElement operation)
    {
        var statuses = operation.GetProperty("responses").EnumerateObject().Select(r => int.Parse(r.Name)).Where(s => s != 401).Order().ToList();
        return statuses.FirstOrDefault(s => s is >= 200 and < 300, statuses[0]);
    }

    private static JsonElement? ResponseExample(JsonElement operation, int status) =>
        operation.GetProperty("responses").GetProperty(status.ToString()).TryGetProperty("content", out var content) &&
        content.GetProperty("application/json").TryGetProperty("example", out var example) ? example : null;

    private static string Replace(string text, Dictionary<string, string> seen) =>
        seen.Aggregate(text, (t, pair) => t.Replace(pair.Key, pair.Value, StringComparison.Ordinal));

    /// <summary>Each string of the example stands for the string the server put in the same place.</summary>
    private static void Learn(JsonElement example, JsonElement actual, Dictionary<string, string> seen)
    {
        switch (example.ValueKind)
        {
            case JsonValueKind.String when actual.ValueKind == JsonValueKind.String && example.GetString()!.Length >= 32:
                seen[example.GetString()!] = actual.GetString()!;
                break;
            case JsonValueKind.Object when actual.ValueKind == JsonValueKind.Object:
                foreach (var property in example.EnumerateObject())
                    if (actual.TryGetProperty(property.Name, out var value)) Learn(property.Value, value, seen);
                break;
            case JsonValueKind.Array when actual.ValueKind == JsonValueKind.Array:
                foreach (var (item, value) in example.EnumerateArray().Zip(actual.EnumerateArray())) Learn(item, value, seen);
                break;
        }
    }
}
