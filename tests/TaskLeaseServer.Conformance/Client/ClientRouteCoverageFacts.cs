using System.Reflection;
using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Client;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Client;

/// <summary>
/// Issue 13, "one typed async method per route": every operation of the running server's
/// /openapi.json has a TaskLeaseClient method naming it in a [WireRoute], every paginated list and
/// every SSE stream also has an IAsyncEnumerable method, and no method names a route the server lacks.
/// A route added to the server without a client method fails here.
/// </summary>
public sealed class ClientRouteCoverageFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    /// <summary>Routes the client deliberately has no method for, and why.</summary>
    private static readonly Dictionary<string, string> NoMethod = new(StringComparer.Ordinal)
    {
        ["GET /tasks/{id}/run-state"] = "answers 404 not_found always (kept for nullTickets); GetTaskAsync's LatestRun is the run state",
    };

    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    private async Task<List<(string Route, JsonElement Operation)>> OperationsAsync()
    {
        var document = (await fixture.Api.GetAsync("/openapi.json")).Json.Clone();
        return document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(op => Methods.Contains(op.Name))
                .Select(op => ($"{op.Name.ToUpperInvariant()} {path.Name}", op.Value)))
            .ToList();
    }

    private static List<(string Route, MethodInfo Method)> ClientRoutes() =>
        typeof(TaskLeaseClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .SelectMany(m => m.GetCustomAttributes<WireRouteAttribute>().Select(a => (a.Route, m)))
            .ToList();

    private static bool Enumerates(MethodInfo m) =>
        m.ReturnType.IsGenericType && m.ReturnType.GetGenericTypeDefinition() == typeof(IAsyncEnumerable<>);

    [Fact]
    public async Task EveryRouteOfTheServerHasATypedMethod()
    {
        var operations = await OperationsAsync();
        var covered = ClientRoutes().Select(r => r.Route).ToHashSet(StringComparer.Ordinal);

        var missing = operations.Select(o => o.Route).Where(r => !covered.Contains(r) && !NoMethod.ContainsKey(r)).ToList();
        missing.Should().BeEmpty("every route of /openapi.json needs a TaskLeaseClient method with [WireRoute(\"<METHOD> <path>\")]");
        NoMethod.Keys.Should().BeSubsetOf(operations.Select(o => o.Route), "an excused route must still exist");
    }

    [Fact]
    public async Task NoMethodNamesARouteTheServerLacks()
    {
        var routes = (await OperationsAsync()).Select(o => o.Route).ToHashSet(StringComparer.Ordinal);
        ClientRoutes().Where(r => !routes.Contains(r.Route)).Select(r => $"{r.Method.Name}: {r.Route}")
            .Should().BeEmpty("a [WireRoute] must name an operation of /openapi.json exactly");
        ClientRoutes().Should().OnlyContain(r => r.Method.ReturnType == typeof(Task) || r.Method.ReturnType.IsGenericType,
            "every route method is async (a Task or an IAsyncEnumerable)");
    }

    [Fact]
    public async Task EveryPaginatedListAndEveryStreamIsAnAsyncEnumerable()
    {
        var operations = await OperationsAsync();
        var components = (await fixture.Api.GetAsync("/openapi.json")).Json.Clone().GetProperty("components").GetProperty("schemas");
        var enumerating = ClientRoutes().Where(r => Enumerates(r.Method)).Select(r => r.Route).ToHashSet(StringComparer.Ordinal);

        var paginated = operations.Where(o => IsPage(o.Operation, components)).Select(o => o.Route).ToList();
        var streams = operations.Where(o => IsStream(o.Operation)).Select(o => o.Route).ToList();
        paginated.Should().Contain(["GET /tasks", "GET /artifacts", "GET /runs/{id}/events", "GET /spans"], "the detection works");
        streams.Should().HaveCount(3, "the run, task and server event streams");

        paginated.Where(r => !enumerating.Contains(r)).Should().BeEmpty("a paginated list needs an Enumerate…Async method that walks every page");
        streams.Where(r => !enumerating.Contains(r)).Should().BeEmpty("an SSE stream needs a Stream…Async method");
    }

    /// <summary>The 200 answer is a page: a schema with items and next_cursor.</summary>
    private static bool IsPage(JsonElement operation, JsonElement components)
    {
        if (!operation.GetProperty("responses").TryGetProperty("200", out var ok) || !ok.TryGetProperty("content", out var content)
            || !content.TryGetProperty("application/json", out var json) || !json.TryGetProperty("schema", out var schema)) return false;
        if (schema.TryGetProperty("$ref", out var r)) schema = components.GetProperty(r.GetString()!.Split('/')[^1]);
        return schema.TryGetProperty("properties", out var p) && p.TryGetProperty("next_cursor", out _) && p.TryGetProperty("items", out _);
    }

    private static bool IsStream(JsonElement operation) =>
        operation.GetProperty("responses").TryGetProperty("200", out var ok) && ok.TryGetProperty("content", out var content)
        && content.TryGetProperty("text/event-stream", out _);
}
