using System.Net;
using FluentAssertions;
using TaskLeaseServer.Client;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Client;

/// <summary>
/// Issue 13, safe retries: the answer of a write is lost after the server committed it; the client
/// sends it again with the same Idempotency-Key and body, and the server replays the first answer
/// instead of running the effect twice.
/// </summary>
public sealed class ClientRetryFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    /// <summary>Forwards every request, then throws away the answers of the first N writes of a path.</summary>
    private sealed class LosesAnswers(string pathPart, int times) : DelegatingHandler(new HttpClientHandler())
    {
        public int Lost;
        public readonly List<string?> Keys = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            if (request.Method == HttpMethod.Get || !request.RequestUri!.AbsolutePath.Contains(pathPart, StringComparison.Ordinal)) return response;
            lock (Keys) Keys.Add(request.Headers.TryGetValues("Idempotency-Key", out var v) ? v.Single() : null);
            if (Interlocked.Increment(ref Lost) > times) return response;
            response.Dispose();
            throw new HttpRequestException("connection reset (simulated, after the server answered)");
        }
    }

    private static TaskLeaseClient Over(Uri server, HttpMessageHandler handler) =>
        new(new HttpClient(handler) { BaseAddress = server }, new TaskLeaseClientOptions { FirstRetryDelay = TimeSpan.FromMilliseconds(1) });

    [Fact]
    public async Task ARetriedTransitionMovesTheTaskOnce()
    {
        var plain = new TaskLeaseClient(fixture.Server.BaseAddress);
        var pipeline = await fixture.Api.CreatePipelineAsync();
        var task = await plain.CreateTaskAsync(new NewTask(pipeline.Id, "once"));
        var claim = (await plain.ClaimAsync(new ClaimRequest("a", pipeline.WorkRole)))!;

        var lossy = new LosesAnswers("/transition", times: 2);
        var result = await Over(fixture.Server.BaseAddress, lossy).TransitionAsync(claim.Run.Id, claim.LeaseToken, new TransitionRequest("submit"));

        result.NewStage.Should().Be("review");
        lossy.Keys.Should().HaveCount(3).And.OnlyContain(k => k == lossy.Keys[0] && k != null, "every attempt carries the first attempt's key");
        var details = await plain.GetTaskAsync(task);
        details.TaskVersion.Should().Be(2, "one transition, not three");
        details.Stage.Should().Be("review");
    }

    [Fact]
    public async Task ARetriedCreateCreatesOneTaskAndARetriedClaimGrantsOneLease()
    {
        var pipeline = await fixture.Api.CreatePipelineAsync();
        var creates = new LosesAnswers("/tasks", times: 1);
        var id = await Over(fixture.Server.BaseAddress, creates).CreateTaskAsync(new NewTask(pipeline.Id, "one"));
        var plain = new TaskLeaseClient(fixture.Server.BaseAddress);
        (await plain.ListTasksPageAsync(new TaskQuery { PipelineId = pipeline.Id })).Items.Should().ContainSingle(t => t.Id == id);

        var claims = new LosesAnswers("/leases/claim", times: 1);
        var claim = await Over(fixture.Server.BaseAddress, claims).ClaimAsync(new ClaimRequest("a", pipeline.WorkRole));
        claim!.Task.Id.Should().Be(id);
        (await plain.GetHealthAsync()).ActiveLeases.Should().BeGreaterThanOrEqualTo(1);
        (await plain.ClaimAsync(new ClaimRequest("b", pipeline.WorkRole))).Should().BeNull("the one task is leased once, to the retried claim");
        (await plain.HeartbeatAsync(claim.LeaseId, claim.LeaseToken)).ExpiresAtMs.Should().BePositive("the replayed answer holds the live lease");
    }

    [Fact]
    public async Task AServerThatStaysAwayEndsInServerUnavailable()
    {
        var nothing = new Uri($"http://127.0.0.1:{ServerProcess.FreePort()}/");
        var client = new TaskLeaseClient(new HttpClient { BaseAddress = nothing },
            new TaskLeaseClientOptions { MaxRetries = 2, FirstRetryDelay = TimeSpan.FromMilliseconds(1) });
        var thrown = await FluentActions.Awaiting(() => client.GetHealthAsync()).Should().ThrowAsync<ServerUnavailableException>();
        thrown.Which.Status.Should().Be(0);
        thrown.Which.InnerException.Should().BeOfType<HttpRequestException>();
        thrown.Which.Message.Should().Contain("3 times");
    }
}
