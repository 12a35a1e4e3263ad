using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

public sealed class IdempotencyFacts
{
    [Fact]
    public async Task SameKeyAndBody_ReplaysTheFirstAnswer_AndCreatesOnce()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var body = $$"""{"pipeline_id":"{{pid}}","title":"t","description":"d"}""";
        var first = (await server.Http.Post("/tasks", body, idempotencyKey: "k1")).Expect(HttpStatusCode.Created);
        var again = (await server.Http.Post("/tasks", body, idempotencyKey: "k1")).Expect(HttpStatusCode.Created);
        again.Str("id").Should().Be(first.Str("id"));
        (await server.Http.Get("/tasks")).Body.GetProperty("items").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task SameKey_DifferentBody_IsAConflict_EvenForWhitespace()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var body = $$"""{"pipeline_id":"{{pid}}","title":"t","description":"d"}""";
        await server.Http.Post("/tasks", body, idempotencyKey: "k1");
        (await server.Http.Post("/tasks", body + " ", idempotencyKey: "k1")).ExpectError(HttpStatusCode.Conflict, "idempotency_conflict");
    }

    [Fact]
    public async Task ConcurrentRequestsWithOneKey_RunOnce()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var body = $$"""{"pipeline_id":"{{pid}}","title":"t","description":"d"}""";
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => server.Http.Post("/tasks", body, idempotencyKey: "same")));
        answers.Select(a => a.Str("id")).Distinct().Should().ContainSingle();
        (await server.Http.Get("/tasks")).Body.GetProperty("items").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task AClientError_IsReplayed_EvenAfterTheStateChanged()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder"))!;
        var path = $"/runs/{lease.RunId}/transition";
        (await server.Http.Post(path, """{"trigger":"approve"}""", lease.Token, "k")).ExpectError(HttpStatusCode.BadRequest, "invalid_transition");
        (await server.Http.Transition(lease, "submit")).Expect(HttpStatusCode.OK);
        (await server.Http.Post(path, """{"trigger":"approve"}""", lease.Token, "k")).ExpectError(HttpStatusCode.BadRequest, "invalid_transition");
    }

    [Fact]
    public async Task ASuccessfulTransition_IsReplayed_AfterItsLeaseIsGone()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder"))!;
        var path = $"/runs/{lease.RunId}/transition";
        var first = (await server.Http.Post(path, """{"trigger":"submit"}""", lease.Token, "k")).Expect(HttpStatusCode.OK);
        (await server.Http.Post(path, """{"trigger":"submit"}""", lease.Token, "k")).Expect(HttpStatusCode.OK).Text.Should().Be(first.Text);
    }

    [Fact]
    public async Task ARecordIsBoundToTheCredential_AnotherCallerDoesNotSeeIt()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder"))!;
        var path = $"/runs/{lease.RunId}/events";
        (await server.Http.Post(path, """{"kind":"k"}""", lease.Token, "key")).Expect(HttpStatusCode.Created);
        (await server.Http.Post(path, """{"kind":"k"}""", new string('c', 64), "key")).ExpectError(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task AClaimThatFoundNoWork_IsNotReplayed()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        const string claim = """{"agent_id":"a","agent_role":"coder"}""";
        (await server.Http.Post("/leases/claim", claim, idempotencyKey: "poll")).Expect(HttpStatusCode.NoContent);
        await server.Http.NewTask(pid);
        var claimed = (await server.Http.Post("/leases/claim", claim, idempotencyKey: "poll")).Expect(HttpStatusCode.OK);
        (await server.Http.Post("/leases/claim", claim, idempotencyKey: "poll")).Text.Should().Be(claimed.Text);
    }

    [Fact]
    public async Task Heartbeats_AreNeverReplayed()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder"))!;
        var first = (await server.Http.Post($"/leases/{lease.LeaseId}/heartbeat", "{}", lease.Token, "hb")).Long("expires_at_ms");
        server.Advance(10_000);
        (await server.Http.Post($"/leases/{lease.LeaseId}/heartbeat", "{}", lease.Token, "hb")).Long("expires_at_ms").Should().Be(first + 10_000);
    }

    [Fact]
    public async Task Records_ExpireAfterTheRetentionWindow()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var body = $$"""{"pipeline_id":"{{pid}}","title":"t","description":"d"}""";
        var first = (await server.Http.Post("/tasks", body, idempotencyKey: "old")).Str("id");
        server.Advance((long)TimeSpan.FromHours(25).TotalMilliseconds);
        await server.Sweep();
        (await server.Http.Post("/tasks", body, idempotencyKey: "old")).Str("id").Should().NotBe(first);
    }

    [Fact]
    public async Task TwoBodiesRacingOnOneKey_GetOneRecordedAnswer_AndAConflict()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        for (var i = 0; i < 15; i++)
        {
            await server.Http.NewTask(pid);
            var lease = (await server.Http.Claim("coder"))!;
            var path = $"/runs/{lease.RunId}/transition";
            var answers = await Task.WhenAll(
                server.Http.Post(path, """{"trigger":"nope"}""", lease.Token, "race"),
                server.Http.Post(path, """{"trigger":"submit"}""", lease.Token, "race"));
            answers.Count(a => a.Status == HttpStatusCode.Conflict).Should().Be(1, "one body lost the race: {0} / {1}", answers[0].Text, answers[1].Text);
            var winner = answers.Single(a => a.Status != HttpStatusCode.Conflict);
            var winningBody = winner.Status == HttpStatusCode.OK ? """{"trigger":"submit"}""" : """{"trigger":"nope"}""";
            (await server.Http.Post(path, winningBody, lease.Token, "race")).Text.Should().Be(winner.Text);
            if (winner.Status != HttpStatusCode.OK) await server.Http.Fail(lease);
        }
    }
}
