using System.Diagnostics;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace TaskLeaseServer.Conformance.Agents;

/// <summary>
/// Issue 10, EXTENSIONS §2 against the real process (on whichever engine the run targets): a
/// waiting claim is answered by the create that made work, waiters are served first come first
/// served, one that disconnected is never granted a lease, and SIGTERM answers every waiter 204.
/// The bounds are generous (a loaded 2-core machine); the claims wait 30 s, so a bound met is a
/// wake-up, not a timeout.
/// </summary>
public sealed class LongPollFacts(DefaultServer fixture, ITestOutputHelper output) : IClassFixture<DefaultServer>
{
    private static readonly TimeSpan WakeBound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task AWaitingClaim_IsAnsweredWithinASecondOfTheCreate_WithThatTask()
    {
        var api = fixture.Api;
        var pipeline = await api.CreatePipelineAsync();
        var waiter = await Waiters.StartAsync(api, pipeline.WorkRole, "agent-w");
        waiter.Answer.IsCompleted.Should().BeFalse("there is no work yet: the claim waits");

        var id = await api.CreateTaskAsync(pipeline.Id);
        var created = Stopwatch.GetTimestamp();
        var (claim, answeredAt) = await waiter.Answer.WaitAsync(TimeSpan.FromSeconds(20));

        Waiters.TaskId(claim).Should().Be(id);
        var latency = Waiters.Ms(created, answeredAt);
        output.WriteLine($"create answered → waiting claim answered: {latency:0.0} ms");
        latency.Should().BeLessThan(WakeBound.TotalMilliseconds, "a waiter is woken by the commit, not by its wait_ms running out");
        claim.Json.GetProperty("run").GetProperty("attempt").GetInt64().Should().Be(1);
    }

    [Fact]
    public async Task TwoWaiters_OneTaskWakesTheFirst_TheSecondKeepsWaitingForTheNext()
    {
        var api = fixture.Api;
        var pipeline = await api.CreatePipelineAsync();
        var first = await Waiters.StartAsync(api, pipeline.WorkRole, "agent-first");
        var second = await Waiters.StartAsync(api, pipeline.WorkRole, "agent-second");
        (await Waiters.WaitingAsync(api, pipeline.WorkRole)).Should().Be(2);

        var one = await api.CreateTaskAsync(pipeline.Id);
        var (firstClaim, _) = await first.Answer.WaitAsync(TimeSpan.FromSeconds(20));
        Waiters.TaskId(firstClaim).Should().Be(one, "the earliest waiter is served first");
        firstClaim.Json.GetProperty("run").GetProperty("agent_id").GetString().Should().Be("agent-first");
        (await Waiters.WaitingAsync(api, pipeline.WorkRole)).Should().Be(1, "one task wakes one waiter; the second still waits");
        second.Answer.IsCompleted.Should().BeFalse();

        var two = await api.CreateTaskAsync(pipeline.Id);
        var (secondClaim, _) = await second.Answer.WaitAsync(TimeSpan.FromSeconds(20));
        Waiters.TaskId(secondClaim).Should().Be(two);
        secondClaim.Json.GetProperty("run").GetProperty("agent_id").GetString().Should().Be("agent-second");
    }

    [Fact]
    public async Task AWaiterWhoseClientDisconnected_IsNeverGrantedALease_TheTaskStaysClaimable()
    {
        var api = fixture.Api;
        var pipeline = await api.CreatePipelineAsync();
        var gone = await Waiters.StartAsync(api, pipeline.WorkRole, "agent-gone");
        await gone.Abort.CancelAsync(); // closes the connection, as a killed agent's kernel would
        await FluentActions.Awaiting(() => gone.Answer).Should().ThrowAsync<OperationCanceledException>();
        await Eventually.TrueAsync(async () => await Waiters.WaitingAsync(api, pipeline.WorkRole) == 0, TimeSpan.FromSeconds(20),
            "the server to drop the disconnected waiter", pollMs: 10);

        var id = await api.CreateTaskAsync(pipeline.Id);

        Waiters.Items(await api.GetAsync($"/tasks/{id}/runs")).GetArrayLength().Should().Be(0, "nobody was granted the task");
        (await api.GetTaskAsync(id)).Str("status").Should().Be("ready");
        var lease = await api.ClaimOneAsync(pipeline.WorkRole, "agent-next");
        lease.TaskId.Should().Be(id);
        lease.Attempt.Should().Be(1, "no earlier run was started for the client that went away");
    }

    [Fact]
    public async Task NoWork_IsA204AfterWaitMs_NotBeforeIt()
    {
        var pipeline = await fixture.Api.CreatePipelineAsync();
        var sent = Stopwatch.GetTimestamp();
        var (response, answeredAt) = await Waiters.SendAsync(fixture.Server.BaseAddress, pipeline.WorkRole, "agent-idle", 300);

        Expect.Status(response, 204);
        response.BodyBytes.Should().BeEmpty();
        Waiters.Ms(sent, answeredAt).Should().BeGreaterThanOrEqualTo(295, "the claim waited its wait_ms").And.BeLessThan(15_000);
    }

    [Fact]
    public async Task WaitMsZeroOrAbsent_AnswersAtOnceAsTheContractDoes()
    {
        var pipeline = await fixture.Api.CreatePipelineAsync();
        var zero = await fixture.Api.PostAsync("/leases/claim", $$"""{"agent_id":"a","agent_role":"{{pipeline.WorkRole}}","wait_ms":0}""");
        var absent = await fixture.Api.PostAsync("/leases/claim", $$"""{"agent_id":"a","agent_role":"{{pipeline.WorkRole}}"}""");
        var nullWait = await fixture.Api.PostAsync("/leases/claim", $$"""{"agent_id":"a","agent_role":"{{pipeline.WorkRole}}","wait_ms":null}""");
        foreach (var r in new[] { zero, absent, nullWait })
        {
            Expect.Status(r, 204);
            r.BodyBytes.Should().BeEmpty();
        }
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("30001")]
    [InlineData("1.5")]
    [InlineData("\"100\"")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("1e40")]
    public async Task ABadWaitMs_Is400InvalidRequestNamingTheField(string value)
    {
        var started = Stopwatch.GetTimestamp();
        var response = await fixture.Api.PostAsync("/leases/claim", $$"""{"agent_id":"a","agent_role":"r-bad-wait","wait_ms":{{value}}}""");
        Expect.Error(response, 400, "invalid_request");
        response.Json.GetProperty("error").GetProperty("message").GetString().Should().Contain("wait_ms");
        Waiters.Ms(started, Stopwatch.GetTimestamp()).Should().BeLessThan(10_000, "a refused claim does not wait");
    }
}

/// <summary>SIGTERM with claims waiting: each gets its 204 at once (not after its wait_ms), and the process exits 0.</summary>
public sealed class LongPollShutdownFacts(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigterm_AnswersEveryWaiter204AtOnce_AndExits0()
    {
        var server = await ServerProcess.StartAsync();
        try
        {
            using var api = new Api(server.BaseAddress);
            var pipeline = await api.CreatePipelineAsync();
            var waiters = new List<Waiter>();
            for (var i = 0; i < 5; i++) waiters.Add(await Waiters.StartAsync(api, i % 2 == 0 ? pipeline.WorkRole : pipeline.ReviewRole, "agent-" + i));

            var signalled = Stopwatch.GetTimestamp();
            var exit = server.TerminateAsync(TimeSpan.FromSeconds(40));
            var answers = await Task.WhenAll(waiters.Select(w => w.Answer)).WaitAsync(TimeSpan.FromSeconds(25));

            foreach (var (response, _) in answers) Expect.Status(response, 204);
            var slowest = answers.Max(a => Waiters.Ms(signalled, a.AnsweredAt));
            output.WriteLine($"SIGTERM → last waiter answered: {slowest:0} ms");
            slowest.Should().BeLessThan(10_000, "every waiter is answered at once, not after its 30 s wait_ms");
            (await exit).Should().Be(0, "a graceful stop; output: {0}", server.Output);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
