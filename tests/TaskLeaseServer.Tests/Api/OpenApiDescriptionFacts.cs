using System.Net;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TaskLeaseServer.Api.OpenApi;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>What the document tells a reader of Swagger UI (issue 14 items 8 and 11c).</summary>
public sealed class OpenApiDescriptionFacts
{
    private static async Task<JsonElement> Document(ServerFixture server) => (await server.Http.Get("/openapi.json")).Expect(HttpStatusCode.OK).Body;

    private static IEnumerable<(string Key, JsonElement Operation)> Operations(JsonElement doc) =>
        doc.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(op => (op.Name.ToUpperInvariant() + " " + p.Name, op.Value)));

    private static List<string> Schemes(JsonElement operation) =>
        operation.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList();

    [Fact]
    public async Task EveryOperation_HasASummary_AResourceTag_AndSaysWhatEachErrorMeans()
    {
        await using var server = new ServerFixture();
        var doc = await Document(server);
        var tags = doc.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        tags.Should().Contain(["Pipelines", "Tasks", "Leases", "Runs", "Store"]).And.NotContain(t => t!.EndsWith("Api"));

        foreach (var (key, operation) in Operations(doc))
        {
            operation.GetProperty("summary").GetString().Should().NotBeNullOrWhiteSpace(key);
            operation.GetProperty("description").GetString().Should().NotBeNullOrWhiteSpace(key);
            operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).Should().ContainSingle().Which.Should().BeOneOf(tags, key);
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
                response.Value.GetProperty("description").GetString().Should().MatchRegex("`[a-z_]+`", "{0} {1} names its error codes", key, response.Name);
            if (Schemes(operation).Contains("apiToken"))
                operation.GetProperty("responses").TryGetProperty("401", out _).Should().BeTrue("{0} can be refused for a missing API token", key);
        }
    }

    [Fact]
    public async Task EveryInput_HasAnExampleOrADescription()
    {
        await using var server = new ServerFixture();
        foreach (var (key, operation) in Operations(await Document(server)))
        {
            foreach (var parameter in operation.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray() : default)
            {
                if (parameter.GetProperty("in").GetString() == "path") parameter.TryGetProperty("example", out _).Should().BeTrue(key);
                else parameter.GetProperty("description").GetString().Should().NotBeNullOrWhiteSpace(key);
            }
            if (operation.TryGetProperty("requestBody", out var body))
                body.GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _).Should().BeTrue(key);
        }
    }

    [Fact]
    public async Task LeaseRoutesTakeTheLeaseToken_OpenRoutesNothing_AndTheRestTheApiToken()
    {
        await using var server = new ServerFixture();
        var doc = await Document(server);
        var schemes = doc.GetProperty("components").GetProperty("securitySchemes");
        foreach (var name in (string[])["apiToken", "bearerAuth"])
            schemes.GetProperty(name).GetProperty("scheme").GetString().Should().Be("bearer");

        var leaseRoutes = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<LeaseTokenAuth>() is not null)
            .Select(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods[0] + " /" + e.RoutePattern.RawText!.Trim('/'))
            .ToHashSet();
        leaseRoutes.Should().HaveCount(5);
        foreach (var (key, operation) in Operations(doc))
        {
            var expected = leaseRoutes.Contains(key) ? ["bearerAuth"]
                : key is "GET /" or "GET /health" or "GET /openapi.json" or "GET /.well-known/openapi.json" ? []
                : key is "GET /runs/{id}/events" or "GET /runs/{id}/events/stream" ? ["apiToken", "bearerAuth"]
                : (string[])["apiToken"];
            Schemes(operation).Should().Equal(expected, key);
        }
    }

    [Fact]
    public async Task Servers_IsTheAddressTheClientUsed()
    {
        await using var server = new ServerFixture();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi.json");
        request.Headers.Host = "tasks.example:9000";
        using var response = await server.Http.SendAsync(request);
        var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        doc.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("url").GetString()).Should().Equal("http://tasks.example:9000");
    }

    [Fact]
    public async Task TheSwaggerUiPage_OpensWithoutAToken_InTokenMode()
    {
        await using var server = new ServerFixture { ApiToken = "secret" };
        using var page = await server.Http.GetAsync("/swagger/index.html");
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        (await page.Content.ReadAsStringAsync()).Should().Contain("swagger");
        (await server.Http.Get("/tasks")).ExpectError(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task TheInputsAreStatedAsTheServerReadsThem()
    {
        await using var server = new ServerFixture();
        var doc = await Document(server);
        var paths = doc.GetProperty("paths");
        var schemas = doc.GetProperty("components").GetProperty("schemas");
        JsonElement Query(string path, string name) =>
            paths.GetProperty(path).GetProperty("get").GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);

        Query("/store/search", "q").GetProperty("required").GetBoolean().Should().BeTrue();
        schemas.GetProperty("BulkTaskCreateRequest").GetProperty("properties").GetProperty("tasks").GetProperty("minItems").GetInt32().Should().Be(1);
        paths.GetProperty("/leases/{id}/heartbeat").GetProperty("post").GetProperty("requestBody").GetProperty("required").GetBoolean().Should().BeFalse();
        foreach (var (schema, property) in new[] { ("TaskCreateRequest", "retry_policy"), ("LeaseClaimRequest", "concurrency") })
            schemas.GetProperty(schema).GetProperty("properties").GetProperty(property).GetProperty("anyOf").EnumerateArray()
                .Select(s => s.TryGetProperty("type", out var t) ? t.GetString() : null).Should().Contain("null", $"{schema}.{property} may be null");
        Query("/tasks", "cursor").GetProperty("schema").GetProperty("pattern").GetString().Should().Be("^-?[0-9]+:.+$");
        Query("/runs/{id}/events", "cursor").GetProperty("description").GetString().Should().Contain("event id");
        schemas.GetProperty("PaginatedTasks").GetProperty("properties").GetProperty("next_cursor").GetProperty("description").GetString()
            .Should().Contain("<created_at_ms>:<id>");
    }
}
