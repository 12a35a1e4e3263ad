using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

public sealed class LeaseFacts
{
    [Fact]
    public async Task Heartbeat_NeverShortensALongLease()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder", extra: "\"lease_ttl_ms\":3600000"))!;
        server.Advance(1000);
        (await server.Http.Post($"/leases/{lease.LeaseId}/heartbeat", null, lease.Token))
            .Expect(HttpStatusCode.OK).Long("expires_at_ms").Should().Be(server.Now + 3_600_000);
    }

    [Fact]
    public async Task Heartbeat_ExtendsByTheGrantedTtl_OrARequestedOne_AndNeverShortens()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder", extra: "\"lease_ttl_ms\":60000"))!;
        server.Advance(10_000);
        (await server.Http.Post($"/leases/{lease.LeaseId}/heartbeat", "{}", lease.Token))
            .Expect(HttpStatusCode.OK).Long("expires_at_ms").Should().Be(server.Now + 60_000);
        (await server.Http.Post($"/leases/{lease.LeaseId}/heartbeat", """{"lease_ttl_ms":900000}""", lease.Token))
            .Expect(HttpStatusCode.OK).Long("expires_at_ms").Should().Be(server.Now + 900_000);
        (await server.Http.Post($"/leases/{lease.LeaseId}/heartbeat", """{"lease_ttl_ms":1000}""", lease.Token))
            .Expect(HttpStatusCode.OK).Long("expires_at_ms").Should().Be(server.Now + 900_000);
    }

    [Fact]
    public async Task Heartbeat_OfALeaseClaimedWithoutATtl_ExtendsByFiveMinutes()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder"))!;
        server.Advance(100_000);
        (await server.Http.Post($"/leases/{lease.LeaseId}/heartbeat", "{}", lease.Token))
            .Expect(HttpStatusCode.OK).Long("expires_at_ms").Should().Be(server.Now + 300_000);
    }

    [Fact]
    public async Task Heartbeat_ChecksTokenShapeBeforeTheLease()
    {
        await using var server = new ServerFixture();
        (await server.Http.Post("/leases/unknown/heartbeat", null, "not-hex")).ExpectError(HttpStatusCode.Unauthorized, "unauthorized");
        (await server.Http.Post("/leases/unknown/heartbeat", null, new string('a', 64))).ExpectError(HttpStatusCode.NotFound, "not_found");
        (await server.Http.Post("/leases/unknown/heartbeat", null)).ExpectError(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Heartbeat_AcceptsTheUpperCaseToken_AndRejectsAnotherToken()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder"))!;
        (await server.Http.Post($"/leases/{lease.LeaseId}/heartbeat", null, lease.Token.ToUpperInvariant())).Expect(HttpStatusCode.OK);
        (await server.Http.Post($"/leases/{lease.LeaseId}/heartbeat", null, new string('b', 64))).ExpectError(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Release_EndsTheLeaseWithoutCountingAnAttempt()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid, "\"retry_policy\":{\"max_attempts\":1,\"dead_letter_stage\":\"dead\"}");
        var lease = (await server.Http.Claim("coder"))!;
        (await server.Http.Post($"/leases/{lease.LeaseId}/release", null, lease.Token)).Expect(HttpStatusCode.OK);
        (await server.Http.Events(lease.RunId)).Select(e => e.GetProperty("kind").GetString()).Should().Equal("lease_released");

        var again = (await server.Http.Claim("coder"))!;
        again.TaskId.Should().Be(task);
        again.Attempt.Should().Be(2);
        (await server.Http.Fail(again)).Expect(HttpStatusCode.OK);
        (await server.Http.Task(task)).GetProperty("stage").GetString().Should().Be("dead", "only the failure counts: 1 of max 1");
    }

    [Fact]
    public async Task ExpiredHolder_CanChangeNothing_EvenBeforeTheSweep()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder", extra: "\"lease_ttl_ms\":1000"))!;
        server.Advance(1000);

        (await server.Http.Transition(lease, "submit")).ExpectError(HttpStatusCode.Gone, "expired");
        (await server.Http.Fail(lease)).ExpectError(HttpStatusCode.Gone, "expired");
        (await server.Http.Post($"/runs/{lease.RunId}/events", """{"kind":"x"}""", lease.Token)).ExpectError(HttpStatusCode.Gone, "expired");
        (await server.Http.Task(task)).GetProperty("stage").GetString().Should().Be("todo");
    }

    [Fact]
    public async Task SupersededHolder_GetsNotFound_AfterTheTaskIsReclaimed()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        await server.Http.NewTask(pid);
        var old = (await server.Http.Claim("coder", "old", "\"lease_ttl_ms\":1000"))!;
        server.Advance(1000);
        await server.Sweep();
        var fresh = (await server.Http.Claim("coder", "new"))!;
        fresh.TaskId.Should().Be(old.TaskId);

        (await server.Http.Transition(old, "submit")).ExpectError(HttpStatusCode.NotFound, "not_found");
        (await server.Http.Post($"/leases/{old.LeaseId}/heartbeat", null, old.Token)).ExpectError(HttpStatusCode.NotFound, "not_found");
        (await server.Http.Post($"/runs/{fresh.RunId}/transition", """{"trigger":"submit"}""", old.Token))
            .ExpectError(HttpStatusCode.Unauthorized, "unauthorized");
        (await server.Http.Transition(fresh, "submit")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RejectedTransition_LeavesTheLeaseAlive()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder"))!;
        (await server.Http.Transition(lease, "approve")).ExpectError(HttpStatusCode.BadRequest, "invalid_transition");
        (await server.Http.Transition(lease, "submit", "\"expected_stage\":\"review\"")).ExpectError(HttpStatusCode.Conflict, "expected_stage_mismatch");
        (await server.Http.Transition(lease, "submit", "\"expected_stage\":\"review\",\"expected_task_version\":7"))
            .ExpectError(HttpStatusCode.Conflict, "expected_stage_mismatch");
        (await server.Http.Transition(lease, "submit", "\"expected_task_version\":7")).ExpectError(HttpStatusCode.Conflict, "task_version_mismatch");
        (await server.Http.Task(task)).GetProperty("task_version").GetInt64().Should().Be(1);
        (await server.Http.Fail(lease)).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Transition_WritesItsEvent_WithInstructionsFallingBackToTheDefinition()
    {
        await using var server = new ServerFixture();
        var pid = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pid);
        var lease = (await server.Http.Claim("coder"))!;
        (await server.Http.Transition(lease, "submit", "\"expected_stage\":\"todo\",\"expected_task_version\":1"))
            .Expect(HttpStatusCode.OK).Body.GetRawText().Should().Be("""{"previous_stage":"todo","new_stage":"review","trigger":"submit"}""");
        (await server.Http.Events(lease.RunId)).Single().GetProperty("data").GetRawText()
            .Should().Be("""{"trigger":"submit","from":"todo","to":"review","instructions":"please review"}""");
        var details = await server.Http.Task(task);
        details.GetProperty("latest_run").GetProperty("status").GetString().Should().Be("completed");
        (await server.Http.Post($"/leases/{lease.LeaseId}/heartbeat", null, lease.Token)).ExpectError(HttpStatusCode.NotFound, "not_found");
    }
}
