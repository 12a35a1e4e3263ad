using FluentAssertions;
using TaskLeaseServer.Client;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Client;

/// <summary>Issue 13: the client's SSE streams replay, follow live, and resume after the last id they yielded.</summary>
public sealed class ClientStreamFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    [Fact]
    public async Task ARunsStreamReplaysFollowsLiveAndResumesAfterTheLastIdSeen()
    {
        var client = new TaskLeaseClient(fixture.Server.BaseAddress);
        var pipeline = await fixture.Api.CreatePipelineAsync();
        await client.CreateTaskAsync(new NewTask(pipeline.Id, "streamed"));
        var claim = (await client.ClaimAsync(new ClaimRequest("a", pipeline.WorkRole)))!;
        var first = await client.AppendEventAsync(claim.Run.Id, claim.LeaseToken, "step", new { n = 1 });
        var second = await client.AppendEventAsync(claim.Run.Id, claim.LeaseToken, "step", new { n = 2 });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new List<RunEvent>();
        await foreach (var e in client.StreamRunEventsAsync(claim.Run.Id, ct: timeout.Token))
        {
            seen.Add(e);
            if (seen.Count == 1) continue;
            if (seen.Count == 2) await client.AppendEventAsync(claim.Run.Id, claim.LeaseToken, "step", new { n = 3 }); // live, after the replay
            if (seen.Count == 3) break;
        }
        seen.Select(e => e.Id).Should().BeInAscendingOrder().And.StartWith([first, second]);
        seen[2].Data.GetProperty("n").GetInt32().Should().Be(3);

        var resumed = new List<RunEvent>();
        await client.AppendEventAsync(claim.Run.Id, claim.LeaseToken, "step", new { n = 4 });
        await foreach (var e in client.StreamRunEventsAsync(claim.Run.Id, afterId: seen[^1].Id, ct: timeout.Token))
        {
            resumed.Add(e);
            break;
        }
        resumed.Should().ContainSingle().Which.Data.GetProperty("n").GetInt32().Should().Be(4, "the resume starts after the last id seen, once");
    }

    /// <summary>Keeps the Last-Event-ID of every stream request the client sends.</summary>
    private sealed class RecordsResumes() : DelegatingHandler(new HttpClientHandler())
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<string?> LastEventIds = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("/stream", StringComparison.Ordinal))
                LastEventIds.Enqueue(request.Headers.TryGetValues("Last-Event-ID", out var v) ? v.Single() : null);
            return base.SendAsync(request, ct);
        }
    }

    [Fact]
    public async Task AStreamRidesOutAServerKilledAndRestartedAndResumesFromTheLastIdItYielded()
    {
        var dir = ServerProcess.NewTempDir();
        var options = new ServerOptions { Db = TestDatabase.Fresh(dir, "stream"), Port = ServerProcess.FreePort() };
        var server = await ServerProcess.StartAsync(options, dir);
        try
        {
            var client = WorkerHarness.PatientClient(server.BaseAddress);
            var role = Flow.Unique("resume");
            var pipeline = await client.CreatePipelineAsync(role, WorkerHarness.TwoStageDefinition(role));
            await client.CreateTaskAsync(new NewTask(pipeline, "streamed"));
            var claim = (await client.ClaimAsync(new ClaimRequest("a", role) { LeaseTtlMs = 300_000 }))!;
            await client.AppendEventAsync(claim.Run.Id, claim.LeaseToken, "step", new { n = 1 });

            var resumes = new RecordsResumes();
            var reader = new TaskLeaseClient(new HttpClient(resumes) { BaseAddress = server.BaseAddress },
                new TaskLeaseClientOptions { FirstRetryDelay = TimeSpan.FromMilliseconds(50), MaxRetryDelay = TimeSpan.FromMilliseconds(500) });
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var seen = new List<RunEvent>();
            await foreach (var e in reader.StreamRunEventsAsync(claim.Run.Id, ct: timeout.Token))
            {
                seen.Add(e);
                if (e.Kind != "step") continue;
                var n = e.Data.GetProperty("n").GetInt32();
                if (n == 1)
                {
                    await server.StopAsync(); // kill -9 under the open stream
                    server = await ServerProcess.StartAsync(options, dir);
                    await client.AppendEventAsync(claim.Run.Id, claim.LeaseToken, "step", new { n = 2 });
                }
                if (n == 2) break;
            }

            seen.Select(e => e.Id).Should().OnlyHaveUniqueItems().And.BeInAscendingOrder();
            seen.Where(e => e.Kind == "step").Select(e => e.Data.GetProperty("n").GetInt32()).Should().Equal(1, 2);
            var firstStep = seen.First(e => e.Kind == "step").Id;
            resumes.LastEventIds.First().Should().BeNull("the first connection starts from the beginning");
            resumes.LastEventIds.Skip(1).Should().NotBeEmpty().And.Contain(firstStep.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "a reconnect names the last id it yielded");
        }
        finally
        {
            await server.DisposeAsync();
            ServerProcess.TryDeleteDirectory(dir);
        }
    }
}
