using System.Net;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

public sealed class OpenApiFacts
{
    [Fact]
    public async Task TheDocumentIsOpenApi310_OnBothPaths_WithTheContractsSchemaNames()
    {
        await using var server = new ServerFixture();
        var doc = (await server.Http.Get("/openapi.json")).Expect(HttpStatusCode.OK);
        (await server.Http.Get("/.well-known/openapi.json")).Text.Should().Be(doc.Text);
        doc.Str("openapi").Should().Be("3.1.0");
        var schemas = doc.Body.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(p => p.Name).ToList();
        schemas.Should().Contain(["ErrorResponse", "IdResponse", "HealthStageCount", "HealthResponse", "RetryPolicy",
            "PipelineStateDef", "PipelineTransitionDef", "PipelineDefinition", "PipelineCreateRequest", "Pipeline",
            "TaskCreateRequest", "BulkTaskCreateRequest", "BulkTaskCreateResponse", "Task", "PaginatedTasks",
            "DependencyCreateRequest", "Dependency", "AssignmentCreateRequest", "Assignment", "Run", "AvailableTransition",
            "TaskDetails", "LeaseClaimRequest", "ClaimResponse", "EventCreateRequest", "RunEvent", "PaginatedRunEvents",
            "TransitionRequest", "TransitionResponse", "FailRequest"]);
        var bearer = doc.Body.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearerAuth");
        bearer.GetProperty("scheme").GetString().Should().Be("bearer");
        doc.Body.GetProperty("paths").GetProperty("/runs/{id}/transition").GetProperty("post").TryGetProperty("security", out _).Should().BeTrue();
    }

    [Fact]
    public async Task EveryMappedRouteIsDocumented_AndEveryDocumentedRouteAnswers()
    {
        await using var server = new ServerFixture();
        var doc = (await server.Http.Get("/openapi.json")).Body;
        var documented = doc.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(op => (Method: op.Name.ToUpperInvariant(), Path: p.Name)))
            .ToHashSet();

        // The dashboard (/ui) is HTML for browsers, not the JSON API: it is left out of the document on purpose.
        var mapped = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [])
                .Select(m => (Method: m, Path: "/" + e.RoutePattern.RawText!.Trim('/'))))
            .ToHashSet();
        mapped.Should().BeEquivalentTo(documented);

        foreach (var (method, path) in documented)
        {
            var concrete = path.Replace("{id}", "x").Replace("{agent_id}", "a").Replace("{upstream_id}", "u").Replace("{namespace}", "ns").Replace("{key}", "k");
            if (path == "/events/stream")
            {
                using var stream = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead);
                stream.StatusCode.Should().Be(HttpStatusCode.OK);
                continue;
            }
            var answer = await server.Http.Send(new HttpMethod(method), concrete, method == "GET" ? null : "{}");
            if (answer.Status == HttpStatusCode.NotFound)
                answer.Body.GetProperty("error").GetProperty("message").GetString().Should().NotStartWith("no such route", $"{method} {path} is documented");
        }
    }

    [Fact]
    public async Task StoreArtifactsAndOps_AreDescribedWithTheContractsSchemaNames()
    {
        await using var server = new ServerFixture();
        var doc = (await server.Http.Get("/openapi.json")).Body;
        doc.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(p => p.Name).Should().Contain(
            ["ArtifactCreateRequest", "Artifact", "PaginatedArtifacts", "QueueRoleStats", "QueueOpsResponse", "StorePutRequest", "StoreEntry"]);
        var search = doc.GetProperty("paths").GetProperty("/store/search").GetProperty("get");
        search.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString())
            .Should().Equal("q", "namespace", "limit", "filter_path", "filter_value");
        doc.GetProperty("paths").GetProperty("/store/{namespace}/{key}").GetProperty("put").TryGetProperty("requestBody", out _).Should().BeTrue();
    }

    [Fact]
    public async Task TheDocumentIsOpen_InTokenMode()
    {
        await using var server = new ServerFixture { ApiToken = "secret" };
        (await server.Http.Get("/openapi.json")).Expect(HttpStatusCode.OK);
        (await server.Http.Get("/.well-known/openapi.json")).Expect(HttpStatusCode.OK);
        (await server.Http.Get("/tasks")).ExpectError(HttpStatusCode.Unauthorized, "unauthorized");
        (await server.Http.Get("/tasks", "secret")).Expect(HttpStatusCode.OK);
    }
}
