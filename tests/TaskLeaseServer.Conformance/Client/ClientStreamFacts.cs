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
}
