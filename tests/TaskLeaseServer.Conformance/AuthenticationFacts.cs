using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>§12 items 12-17: API token and lease-bearer authentication (CONTRACT §3).</summary>
public sealed class AuthenticationFacts(TokenServer tokenServer, DefaultServer openServer)
    : IClassFixture<TokenServer>, IClassFixture<DefaultServer>, IDisposable
{
    private const string Token = TokenServer.Token;

    /// <summary>Sends the API token on every call.</summary>
    private Api Api => tokenServer.Api;

    /// <summary>Sends no Authorization header unless told to.</summary>
    private Api Anonymous { get; } = new(tokenServer.Server.BaseAddress);

    public void Dispose() => Anonymous.Dispose();

    [Fact]
    public async Task Item012_WithoutConfiguredTokenGetTasksNeedsNoAuthorization()
    {
        using var open = new Api(openServer.Server.BaseAddress);
        Expect.Status(await open.GetAsync("/tasks"), 200);
        Expect.Status(await open.GetAsync("/pipelines"), 200);
        Expect.Status(await open.GetAsync("/tasks", auth: "Bearer whatever"), 200);
    }

    [Fact]
    public async Task Item013_TokenModeGetTasksNeedsExactlyBearerToken()
    {
        Expect.Error(await Anonymous.GetAsync("/tasks"), 401, "unauthorized");
        Expect.Error(await Anonymous.GetAsync("/tasks", auth: "bearer " + Token), 401, "unauthorized");
        Expect.Error(await Anonymous.GetAsync("/tasks", auth: "BEARER " + Token), 401, "unauthorized");
        Expect.Error(await Anonymous.GetAsync("/tasks", auth: "Bearer " + Token + "x"), 401, "unauthorized");
        Expect.Error(await Anonymous.GetAsync("/tasks", auth: "Bearer " + Token.ToUpperInvariant()), 401, "unauthorized");
        Expect.Error(await Anonymous.GetAsync("/tasks", auth: "Bearer wrong"), 401, "unauthorized");
        Expect.Error(await Anonymous.GetAsync("/tasks", auth: Token), 401, "unauthorized");
        Expect.Error(await Anonymous.GetAsync("/tasks", auth: "Basic " + Token), 401, "unauthorized");

        var ok = await Anonymous.GetAsync("/tasks", auth: "Bearer " + Token);
        Expect.Status(ok, 200);
        ok.Json.TryGetProperty("items", out _).Should().BeTrue();
    }

    [Fact]
    public async Task Item014_TokenModeOpenPathsNeedNoAuthorization()
    {
        foreach (var path in new[] { "/health", "/openapi.json", "/.well-known/openapi.json", "/health/", "//health" })
        {
            var response = await RawHttp.SendAsync(tokenServer.Port, "GET", path);
            Expect.Status(response, 200);
            response.ContentType.Should().Be("application/json");
        }
        Expect.Error(await Anonymous.GetAsync("/health/extra"), 401, "unauthorized");
    }

    /// <summary>Issue 14: a wrong token was answered "no usable Authorization header", sending users looking for a header they had sent.</summary>
    [Fact]
    public async Task AWrongApiTokenIsToldApartFromAMissingHeader_WithTheSame401()
    {
        var wrong = await Anonymous.GetAsync("/tasks", auth: "Bearer wrong");
        Expect.Error(wrong, 401, "unauthorized");
        wrong.Json.GetProperty("error").GetProperty("message").GetString().Should().Contain("does not match");

        var missing = await Anonymous.GetAsync("/tasks");
        Expect.Error(missing, 401, "unauthorized");
        missing.Json.GetProperty("error").GetProperty("message").GetString().Should().Contain("Authorization header").And.NotContain("does not match");
    }

    [Fact]
    public async Task Item015_TokenModeUnknownRouteWithoutAuthorizationAnswers401Not404()
    {
        Expect.Error(await Anonymous.GetAsync("/no-such-route"), 401, "unauthorized");
        Expect.Error(await Anonymous.SendAsync(HttpMethod.Put, "/tasks", "{}"), 401, "unauthorized");
        Expect.Error(await Anonymous.GetAsync("/no-such-route", auth: "Bearer " + Token), 404, "not_found");
    }

    [Fact]
    public async Task Item016_TokenModeClaimNeedsApiTokenAndHeartbeatTakesLeaseToken()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(pipeline.Id);
        var claimBody = Flow.ClaimBody(pipeline.WorkRole).ToJsonString();

        Expect.Error(await Anonymous.PostAsync("/leases/claim", claimBody), 401, "unauthorized");
        Expect.Error(await Anonymous.PostAsync("/leases/claim", claimBody, Api.Bearer(Flow.ForeignToken())), 401, "unauthorized");

        var claim = await Anonymous.PostAsync("/leases/claim", claimBody, Api.Bearer(Token));
        Expect.Status(claim, 200);
        var lease = Flow.ToLease(claim, "agent");

        var heartbeat = await Anonymous.PostAsync($"/leases/{lease.LeaseId}/heartbeat", "{}", lease.Auth);
        Expect.Status(heartbeat, 200);
        heartbeat.Json.Int("expires_at_ms").Should().BeGreaterThan(Clock.NowMs());

        Expect.Error(await Anonymous.PostAsync($"/leases/{lease.LeaseId}/heartbeat", "{}", Api.Bearer(Token)), 401, "unauthorized");
        Expect.Error(await Anonymous.PostAsync($"/leases/{lease.LeaseId}/heartbeat", "{}"), 401, "unauthorized");

        Expect.Status(await Anonymous.PostAsync($"/runs/{lease.RunId}/events", """{"kind":"note"}""", lease.Auth), 201);
        Expect.Status(await Anonymous.PostAsync($"/runs/{lease.RunId}/transition", """{"trigger":"finish"}""", lease.Auth), 200);
    }

    [Fact]
    public async Task Item017_TokenModeOtlpIngestNeedsApiToken()
    {
        var headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" };
        Expect.Error(await Anonymous.PostAsync("/v1/traces", "{}", headers: headers), 401, "unauthorized");
        Expect.Error(await Anonymous.PostAsync("/otlp/v1/traces", "{}", headers: headers), 401, "unauthorized");
        Expect.Error(await Anonymous.PostAsync("/v1/traces", "{}", Api.Bearer(Flow.ForeignToken()), headers), 401, "unauthorized");
        var ok = await Anonymous.PostAsync("/v1/traces", "{}", Api.Bearer(Token), headers);
        Expect.Status(ok, 200);
        ok.Json.Str("stored").Should().Be("json");
    }

    /// <summary>§3.1 rule 2: lease routes only need some bearer at the API-token layer; the handler judges it.</summary>
    [Fact]
    public async Task TokenModeLeaseRoutesPassTheApiLayerWithAnyBearer()
    {
        var foreign = Api.Bearer(Flow.ForeignToken());
        Expect.Error(await Anonymous.PostAsync($"/leases/{Guid.NewGuid()}/heartbeat", "{}", foreign), 404, "not_found");
        Expect.Error(await Anonymous.PostAsync($"/runs/{Guid.NewGuid()}/events", """{"kind":"k"}""", foreign), 404, "not_found");
        Expect.Error(await Anonymous.PostAsync($"/runs/{Guid.NewGuid()}/transition", """{"trigger":"t"}""", foreign), 404, "not_found");
        Expect.Error(await Anonymous.PostAsync($"/runs/{Guid.NewGuid()}/fail", """{"error":"e"}""", foreign), 404, "not_found");
        Expect.Error(await Anonymous.PostAsync($"/runs/{Guid.NewGuid()}/fail", """{"error":"e"}"""), 401, "unauthorized");
    }

    /// <summary>§1.3: the first occurrence of a repeated header wins.</summary>
    [Fact]
    public async Task FirstOccurrenceOfARepeatedAuthorizationHeaderWins()
    {
        var first = await RawHttp.SendAsync(tokenServer.Port, "GET", "/pipelines", headers:
            [("Authorization", "Bearer " + Token), ("Authorization", "Bearer wrong")]);
        Expect.Status(first, 200);
        var second = await RawHttp.SendAsync(tokenServer.Port, "GET", "/pipelines", headers:
            [("Authorization", "Bearer wrong"), ("Authorization", "Bearer " + Token)]);
        Expect.Error(second, 401, "unauthorized");
    }

    /// <summary>Product decision (W12 FIX): the API token or that run's lease token, not any bearer.</summary>
    [Fact]
    public async Task TokenModeRunEventsReadAcceptsApiTokenOrTheRunsLeaseTokenButNotAnyBearer()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(pipeline.Id);
        await Api.CreateTaskAsync(pipeline.Id);
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        var other = await Api.ClaimOneAsync(pipeline.WorkRole);
        Expect.Status(await Api.AppendEventAsync(lease, "note"), 201);
        var path = $"/runs/{lease.RunId}/events";

        var withApiToken = await Anonymous.GetAsync(path, Api.Bearer(Token));
        Expect.Status(withApiToken, 200);
        withApiToken.Json.GetProperty("items").GetArrayLength().Should().Be(1);

        var withLeaseToken = await Anonymous.GetAsync(path, lease.Auth);
        Expect.Status(withLeaseToken, 200);
        withLeaseToken.Body.Should().Be(withApiToken.Body);

        Expect.Error(await Anonymous.GetAsync(path), 401, "unauthorized");
        Expect.Error(await Anonymous.GetAsync(path, "Bearer anything"), 401, "unauthorized");
        Expect.Error(await Anonymous.GetAsync(path, Api.Bearer(Flow.ForeignToken())), 401, "unauthorized");
        Expect.Error(await Anonymous.GetAsync(path, other.Auth), 401, "unauthorized");
    }
}
