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

    /// <summary>Keeps the method and Idempotency-Key of every request.</summary>
    private sealed class RecordsKeys() : DelegatingHandler(new HttpClientHandler())
    {
        public readonly List<(string Method, string Path, string? Key)> Sent = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            lock (Sent) Sent.Add((request.Method.Method, request.RequestUri!.AbsolutePath,
                request.Headers.TryGetValues("Idempotency-Key", out var v) ? v.Single() : null));
            return base.SendAsync(request, ct);
        }
    }

    [Fact]
    public async Task EveryWriteCarriesItsOwnIdempotencyKey()
    {
        var recorder = new RecordsKeys();
        var client = new TaskLeaseClient(new HttpClient(recorder) { BaseAddress = fixture.Server.BaseAddress });
        var pipeline = await fixture.Api.CreatePipelineAsync();
        var task = await client.CreateTaskAsync(new NewTask(pipeline.Id, "keyed"));
        await client.CreateTasksAsync([new NewTask(pipeline.Id, "second")]);
        await client.AssignAsync(task, "a");
        await client.UnassignAsync(task, "a");
        var claim = (await client.ClaimAsync(new ClaimRequest("a", pipeline.WorkRole)))!;
        await client.HeartbeatAsync(claim.LeaseId, claim.LeaseToken);
        await client.AppendEventAsync(claim.Run.Id, claim.LeaseToken, "step");
        await client.TransitionAsync(claim.Run.Id, claim.LeaseToken, new TransitionRequest("submit"));
        await client.PauseTaskAsync(task);
        await client.ResumeTaskAsync(task);
        await client.PatchTaskAsync(task, new TaskPatch { Priority = 3 });
        var ns = Flow.Unique("ns");
        await client.PutAsync(ns, "k", 1);
        await client.DeleteEntryAsync(ns, "k");
        await client.CreateArtifactAsync(new NewArtifact("log", "file:///x") { TaskId = task });
        await client.GetTaskAsync(task);

        var writes = recorder.Sent.Where(s => s.Method != "GET").ToList();
        writes.Select(w => w.Method).Distinct().Should().BeEquivalentTo(["POST", "PUT", "PATCH", "DELETE"]);
        writes.Should().OnlyContain(w => w.Key != null, "every write can be retried safely");
        writes.Select(w => w.Key).Should().OnlyHaveUniqueItems("each call is its own request");
        recorder.Sent.Where(s => s.Method == "GET").Should().OnlyContain(s => s.Key == null);
    }

    [Fact]
    public void TheBackoffIsFullJitterUnderADoublingCap()
    {
        var transport = new Transport(new HttpClient { BaseAddress = fixture.Server.BaseAddress },
            new TaskLeaseClientOptions { FirstRetryDelay = TimeSpan.FromMilliseconds(100), MaxRetryDelay = TimeSpan.FromSeconds(5) });
        foreach (var (attempt, cap) in new[] { (0, 100.0), (3, 800.0), (10, 5_000.0) })
        {
            var waits = Enumerable.Range(0, 500).Select(_ => transport.Backoff(attempt).TotalMilliseconds).ToList();
            waits.Should().OnlyContain(w => w >= 0 && w <= cap, $"attempt {attempt} waits within [0, {cap}] ms");
            waits.Distinct().Count().Should().BeGreaterThan(400, "the waits are spread, so a fleet that failed together does not retry together");
            waits.Average().Should().BeInRange(cap * 0.35, cap * 0.65, "uniform over [0, cap]");
        }
    }
}
