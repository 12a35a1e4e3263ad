using System.Net;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskLeaseServer.Background;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>
/// Long-poll claims in process, on a fake clock (EXTENSIONS §2): the clock never moves unless a
/// fact moves it, so a waiter that gets work got it from a wake-up, not from a timer.
/// </summary>
public sealed class LongPollFacts
{
    private static ClaimWaiters Waiters(ServerFixture server) => server.Services.GetRequiredService<ClaimWaiters>();

    /// <summary>Starts a waiting claim and returns once the server has queued it.</summary>
    private static async Task<Task<Answer>> Waiting(ServerFixture server, string role = "coder", string agent = "agent-1",
        long waitMs = 30_000, CancellationToken cancel = default)
    {
        var waiters = Waiters(server);
        var before = waiters.Count;
        var body = $$"""{"agent_id":"{{agent}}","agent_role":"{{role}}","wait_ms":{{waitMs}}}""";
        var answer = Send(server.Http, body, cancel);
        await Until(() => waiters.Count > before || answer.IsCompleted);
        return answer;
    }

    private static async Task<Answer> Send(HttpClient http, string body, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/leases/claim") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, cancel);
        var text = await response.Content.ReadAsStringAsync(cancel);
        return new Answer(response.StatusCode, text.Length == 0 ? null : System.Text.Json.JsonDocument.Parse(text).RootElement.Clone(), text);
    }

    /// <summary>Waits for a condition the server reaches on its own (not for time to pass: the clock is fake).</summary>
    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the server never got there");
            await Task.Delay(2);
        }
    }

    private static string TaskIdOf(Answer answer) =>
        answer.Expect(HttpStatusCode.OK).Body.GetProperty("task").GetProperty("id").GetString()!;

    [Fact]
    public async Task AWaiter_GetsATaskCreatedWhileItWaits_WithoutTheClockMoving()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var waiting = await Waiting(server);
        waiting.IsCompleted.Should().BeFalse();

        var id = await server.Http.NewTask(pid);

        TaskIdOf(await waiting).Should().Be(id);
        Waiters(server).Count.Should().Be(0);
    }

    [Fact]
    public async Task OpsRoles_CountsTheClaimsWaitingForEachRole()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var first = await Waiting(server, agent: "a1");
        var second = await Waiting(server, agent: "a2");

        async Task<long> WaitingClaims() =>
            (await server.Http.Get("/ops/roles")).Body.GetProperty("items").EnumerateArray()
                .Single(r => r.GetProperty("role").GetString() == "coder").GetProperty("waiting_claims").GetInt64();
        (await WaitingClaims()).Should().Be(2);

        await server.Http.NewTask(pid);
        TaskIdOf(await first).Should().NotBeNull();
        (await WaitingClaims()).Should().Be(1, "the first waiter got the task and left");
        await server.Http.NewTask(pid);
        TaskIdOf(await second).Should().NotBeNull();
        (await WaitingClaims()).Should().Be(0);
    }

    [Fact]
    public async Task WaitersOfARole_AreServedFirstComeFirstServed_OneTaskWakingOneWaiter()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var first = await Waiting(server, agent: "a1");
        var second = await Waiting(server, agent: "a2");
        var third = await Waiting(server, agent: "a3");
        var waiters = Waiters(server);

        var t1 = await server.Http.NewTask(pid);
        TaskIdOf(await first).Should().Be(t1);
        waiters.Woken.Should().Be(1, "one task wakes one waiter, not all three");
        second.IsCompleted.Should().BeFalse();
        third.IsCompleted.Should().BeFalse();

        var t2 = await server.Http.NewTask(pid);
        TaskIdOf(await second).Should().Be(t2);
        var t3 = await server.Http.NewTask(pid);
        TaskIdOf(await third).Should().Be(t3);
        waiters.Woken.Should().Be(3);
    }

    [Fact]
    public async Task ABulkCreate_WakesOneWaiterPerTask()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var waiting = new List<Task<Answer>>();
        for (var i = 0; i < 4; i++) waiting.Add(await Waiting(server, agent: "a" + i));

        var item = $$"""{"pipeline_id":"{{pid}}","title":"t","description":"d"}""";
        (await server.Http.Post("/tasks/bulk", $$"""{"tasks":[{{item}},{{item}},{{item}}]}""")).Expect(HttpStatusCode.Created);

        await Task.WhenAll(waiting.Take(3));
        waiting.Take(3).Should().OnlyContain(w => w.Result.Status == HttpStatusCode.OK);
        waiting[3].IsCompleted.Should().BeFalse("three tasks, three wake-ups: the fourth waiter is still first in line for the next");
    }

    [Fact]
    public async Task AnAssignedTask_WakesItsAssignee_NotTheFirstWaiter()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var first = await Waiting(server, agent: "someone");
        var assignee = await Waiting(server, agent: "chosen");

        var id = await server.Http.NewTask(pid, "\"assigned_agent_id\":\"chosen\"");

        TaskIdOf(await assignee).Should().Be(id);
        first.IsCompleted.Should().BeFalse();
    }

    [Fact]
    public async Task NoWork_Answers204_AfterWaitMs_OnTheServersClock()
    {
        await using var server = new ServerFixture();
        await server.Http.Pipeline();
        var waiting = await Waiting(server, waitMs: 1_000);

        server.Advance(999);
        await Task.Delay(20);
        waiting.IsCompleted.Should().BeFalse();
        server.Advance(1);

        (await waiting).Status.Should().Be(HttpStatusCode.NoContent);
        Waiters(server).Count.Should().Be(0);
    }

    [Theory]
    [InlineData("30001", "invalid_request")]
    [InlineData("-1", "invalid_request")]
    [InlineData("\"soon\"", "invalid_request")]
    [InlineData("1.5", "invalid_request")]
    public async Task WaitMsOutOfRangeOrNotAnInteger_Is400(string value, string code)
    {
        await using var server = new ServerFixture();
        (await server.Http.Post("/leases/claim", $$"""{"agent_id":"a","agent_role":"coder","wait_ms":{{value}}}"""))
            .ExpectError(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task AWaiterWhoseClientDisconnected_IsNeverGrantedALease()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        using var cancel = new CancellationTokenSource();
        var gone = await Waiting(server, agent: "gone", cancel: cancel.Token);
        var next = await Waiting(server, agent: "next");

        await cancel.CancelAsync();
        await FluentActions.Awaiting(() => gone).Should().ThrowAsync<OperationCanceledException>();
        await Until(() => Waiters(server).Count == 1);
        var id = await server.Http.NewTask(pid);

        var answer = await next;
        TaskIdOf(answer).Should().Be(id);
        answer.Body.GetProperty("run").GetProperty("agent_id").GetString().Should().Be("next");
    }

    [Fact]
    public async Task GracefulShutdown_AnswersEveryWaiter204AtOnce()
    {
        await using var server = new ServerFixture();
        await server.Http.Pipeline();
        var waiting = new List<Task<Answer>>();
        for (var i = 0; i < 5; i++) waiting.Add(await Waiting(server, agent: "a" + i));

        server.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var answers = await Task.WhenAll(waiting);
        answers.Should().OnlyContain(a => a.Status == HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task ARetryDelayPassing_WakesAWaiter_FromTheDueTimer_NotTheSweeper()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var id = await server.Http.NewTask(pid, "\"retry_policy\":{\"max_attempts\":3,\"retry_delay_ms\":5000}");
        var lease = (await server.Http.Claim("coder"))!;
        (await server.Http.Post($"/runs/{lease.RunId}/fail", """{"error":"flaky"}""", lease.Token)).Expect(HttpStatusCode.OK);
        await Until(() => server.Services.GetRequiredService<DueTimer>().ArmedFor == server.Now + 5_000);
        var waiting = await Waiting(server);

        server.Advance(4_999);
        await Task.Delay(20);
        waiting.IsCompleted.Should().BeFalse();
        server.Advance(1);

        TaskIdOf(await waiting).Should().Be(id);
    }

    [Fact]
    public async Task ATransitionIntoTheRolesStage_AndARelease_WakeWaiters()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var id = await server.Http.NewTask(pid);
        var coder = (await server.Http.Claim("coder"))!;
        var reviewer = await Waiting(server, role: "reviewer", agent: "r1");

        (await server.Http.Post($"/runs/{coder.RunId}/transition", """{"trigger":"submit"}""", coder.Token)).Expect(HttpStatusCode.OK);
        var review = await reviewer;
        TaskIdOf(review).Should().Be(id);

        var again = await Waiting(server, role: "reviewer", agent: "r2");
        (await server.Http.Post($"/leases/{review.Str("lease_id")}/release", null, review.Str("lease_token"))).Expect(HttpStatusCode.OK);
        TaskIdOf(await again).Should().Be(id);
    }

    [Fact]
    public async Task ADependencyResolving_AndTheSweepersReap_WakeWaiters()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline("""
            {"initial":"todo","states":{"todo":{"agent_role":"coder"},"done":{"terminal":true}},
             "transitions":[{"from":"todo","to":"done","trigger":"finish"}]}
            """);
        var upstream = await server.Http.NewTask(pid);
        var downstream = await server.Http.NewTask(pid, $"\"dependencies\":[\"{upstream}\"],\"retry_policy\":{{\"max_attempts\":5}}");
        var up = (await server.Http.Claim("coder"))!;
        var waiting = await Waiting(server, agent: "w1");

        (await server.Http.Post($"/runs/{up.RunId}/transition", """{"trigger":"finish"}""", up.Token)).Expect(HttpStatusCode.OK);
        var down = await waiting;
        TaskIdOf(down).Should().Be(downstream);

        server.Advance(down.Long("expires_at_ms") - server.Now + 1);
        var afterReap = await Waiting(server, agent: "w2");
        (await server.Sweep()).Should().Be(1);
        TaskIdOf(await afterReap).Should().Be(downstream);
    }

    [Fact]
    public async Task AnAssignmentChange_WakesTheNewAssignee()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var id = await server.Http.NewTask(pid, "\"assigned_agent_id\":\"elsewhere\"");
        var waiting = await Waiting(server, agent: "me");

        (await server.Http.Post($"/tasks/{id}/assignments", """{"agent_id":"me"}""")).Expect(HttpStatusCode.Created);

        TaskIdOf(await waiting).Should().Be(id);
    }
}
