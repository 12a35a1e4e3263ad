using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>§12 items 18-23 plus the product's W9 decisions (CONTRACT §4, §11 W9/W10).</summary>
public sealed class IdempotencyFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    private static Dictionary<string, string> Key(string key) => new() { ["Idempotency-Key"] = key };

    [Fact]
    public async Task Item018_RepeatedPostWithSameKeyAndBodyReturnsSameResultAndCreatesOneTask()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var key = Flow.Unique("key");
        var body = Flow.TaskBody(pipeline.Id).ToJsonString();

        var first = await Api.PostAsync("/tasks", body, headers: Key(key));
        var second = await Api.PostAsync("/tasks", body, headers: Key(key));
        var third = await Api.PostAsync("/tasks", body, headers: Key(key));

        Expect.Status(first, 201);
        Expect.Status(second, 201);
        Expect.Status(third, 201);
        second.Json.Str("id").Should().Be(first.Json.Str("id"));
        third.Body.Should().Be(first.Body);
        (await Api.AllTasksAsync(pipeline.Id)).Should().ContainSingle()
            .Which.Str("id").Should().Be(first.Json.Str("id"));

        // An empty key is a key like any other.
        var other = await Api.CreatePipelineAsync();
        var otherBody = Flow.TaskBody(other.Id).ToJsonString();
        var emptyKeyFirst = await RawHttp.SendAsync(fixture.Port, "POST", "/tasks", otherBody, [("Idempotency-Key", "")]);
        var emptyKeySecond = await RawHttp.SendAsync(fixture.Port, "POST", "/tasks", otherBody, [("Idempotency-Key", "")]);
        Expect.Status(emptyKeyFirst, 201);
        Expect.Status(emptyKeySecond, 201);
        emptyKeySecond.Json.Str("id").Should().Be(emptyKeyFirst.Json.Str("id"), "an empty Idempotency-Key still names a scope");
        (await Api.AllTasksAsync(other.Id)).Should().HaveCount(1);
    }

    [Fact]
    public async Task Item019_SameKeyWithDifferentBodyAnswers409EvenForWhitespace()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var key = Flow.Unique("key");
        var body = Flow.TaskBody(pipeline.Id).ToJsonString();
        var first = await Api.PostAsync("/tasks", body, headers: Key(key));
        Expect.Status(first, 201);

        Expect.Error(await Api.PostAsync("/tasks", Flow.TaskBody(pipeline.Id).ToJsonString(), headers: Key(key)), 409, "idempotency_conflict");
        Expect.Error(await Api.PostAsync("/tasks", body + " ", headers: Key(key)), 409, "idempotency_conflict");
        Expect.Error(await Api.PostAsync("/tasks", body.Replace(",", ", ", StringComparison.Ordinal), headers: Key(key)), 409, "idempotency_conflict");

        var replay = await Api.PostAsync("/tasks", body, headers: Key(key));
        Expect.Status(replay, 201);
        replay.Json.Str("id").Should().Be(first.Json.Str("id"));
        (await Api.AllTasksAsync(pipeline.Id)).Should().HaveCount(1);
    }

    [Fact]
    public async Task Item020_SameKeyOnAnotherPathOrMethodIsIndependentAndGetIgnoresIt()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var key = Flow.Unique("key");
        var body = Flow.TaskBody(pipeline.Id).ToJsonString();

        var onTasks = await Api.PostAsync("/tasks", body, headers: Key(key));
        Expect.Status(onTasks, 201);
        var onTasksSlash = await Api.PostAsync("/tasks/", body, headers: Key(key));
        Expect.Status(onTasksSlash, 201);
        onTasksSlash.Json.Str("id").Should().NotBe(onTasks.Json.Str("id"), "the raw path /tasks/ is another scope than /tasks");

        var onPipelines = await Api.PostAsync("/pipelines",
            $$"""{"name":"{{Flow.Unique("p")}}","definition":{{Flow.StandardDefinition("a", "b").ToJsonString()}}}""", headers: Key(key));
        Expect.Status(onPipelines, 201);

        var ns = Flow.Unique("ns");
        Expect.Status(await Api.PutAsync($"/store/{ns}/k", """{"value":1}""", headers: Key(key)), 204);
        Expect.Status(await Api.DeleteAsync($"/store/{ns}/k", headers: Key(key)), 204);
        Expect.Error(await Api.GetAsync($"/store/{ns}/k"), 404, "not_found");
        Expect.Status(await Api.PutAsync($"/store/{ns}/k", """{"value":1}""", headers: Key(key)), 204);
        Expect.Error(await Api.GetAsync($"/store/{ns}/k"), 404, "not_found");

        // Unknown routes are never recorded: a second body under the same key is not a conflict.
        Expect.Error(await Api.PostAsync("/no-such-route", "{\"a\":1}", headers: Key(key)), 404, "not_found");
        Expect.Error(await Api.PostAsync("/no-such-route", "{\"a\":2}", headers: Key(key)), 404, "not_found");

        var read = await Api.GetAsync("/tasks/" + onTasks.Json.Str("id"), headers: Key(key));
        Expect.Status(read, 200);
        read.Json.Str("stage").Should().Be("work", "a GET is never answered from an idempotency record");
        var list = await Api.GetAsync("/tasks?pipeline_id=" + pipeline.Id, headers: Key(key));
        Expect.Status(list, 200);
        list.Json.GetProperty("items").GetArrayLength().Should().Be(2);
    }

    [Fact]
    public async Task Item021_A4xxOutcomeIsReplayedEvenAfterTheStateChanged()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(pipeline.Id);
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        var key = Flow.Unique("key");
        var path = $"/runs/{lease.RunId}/transition";
        const string body = """{"trigger":"no-such-trigger"}""";

        var first = await Api.PostAsync(path, body, lease.Auth, Key(key));
        Expect.Error(first, 400, "invalid_transition");
        Expect.Status(await Api.TransitionAsync(lease, "submit"), 200);
        Expect.Error(await Api.PostAsync(path, body, lease.Auth), 404, "not_found");

        var replay = await Api.PostAsync(path, body, lease.Auth, Key(key));
        Expect.Error(replay, 400, "invalid_transition");
        replay.Body.Should().Be(first.Body);
    }

    [Fact]
    public async Task Item022_AReplayedSuccessfulTransitionAnswersItsStored200AfterTheLeaseIsGone()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var taskId = await Api.CreateTaskAsync(pipeline.Id);
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        var key = Flow.Unique("key");
        var path = $"/runs/{lease.RunId}/transition";
        const string body = """{"trigger":"finish"}""";

        var first = await Api.PostAsync(path, body, lease.Auth, Key(key));
        Expect.Status(first, 200);
        Expect.Error(await Api.HeartbeatAsync(lease), 404, "not_found");

        var replay = await Api.PostAsync(path, body, lease.Auth, Key(key));
        Expect.Status(replay, 200);
        replay.Body.Should().Be(first.Body);
        var task = await Api.GetTaskAsync(taskId);
        task.Int("task_version").Should().Be(2, "the replay did not transition again");
        task.Str("stage").Should().Be("done");
    }

    /// <summary>W9 product decision: a claim that found nothing is not recorded.</summary>
    [Fact]
    public async Task ClaimThatFoundNoWorkIsNotRecorded()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var key = Flow.Unique("key");
        var body = Flow.ClaimBody(pipeline.WorkRole).ToJsonString();
        Expect.Status(await Api.PostAsync("/leases/claim", body, headers: Key(key)), 204);

        var taskId = await Api.CreateTaskAsync(pipeline.Id);
        var second = await Api.PostAsync("/leases/claim", body, headers: Key(key));
        Expect.Status(second, 200);
        second.Json.GetProperty("task").Str("id").Should().Be(taskId);
    }

    /// <summary>A successful claim is replayed (same lease) for the same credential only.</summary>
    [Fact]
    public async Task SuccessfulClaimIsReplayedOnlyForTheSameCredential()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var taskId = await Api.CreateTaskAsync(pipeline.Id);
        var key = Flow.Unique("key");
        var body = Flow.ClaimBody(pipeline.WorkRole).ToJsonString();

        var first = await Api.PostAsync("/leases/claim", body, "Bearer agent-one", Key(key));
        Expect.Status(first, 200);
        var replay = await Api.PostAsync("/leases/claim", body, "Bearer agent-one", Key(key));
        Expect.Status(replay, 200);
        replay.Body.Should().Be(first.Body);
        (await Api.GetTaskAsync(taskId)).GetProperty("latest_run").Int("attempt").Should().Be(1, "the replay created no second run");

        var otherCredential = await Api.PostAsync("/leases/claim", body, "Bearer agent-two", Key(key));
        Expect.Status(otherCredential, 204);
        otherCredential.Body.Should().NotContain(first.Json.Str("lease_token")!, "another caller must never receive the stored lease token");
        Expect.Status(await Api.PostAsync("/leases/claim", body, auth: "", headers: Key(key)), 204);
    }

    /// <summary>W9 product decision: heartbeats are never recorded, so each one extends the lease.</summary>
    [Fact]
    public async Task HeartbeatsAreNotRecorded()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(pipeline.Id);
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        var key = Flow.Unique("key");
        var first = await Api.PostAsync($"/leases/{lease.LeaseId}/heartbeat", "{}", lease.Auth, Key(key));
        Expect.Status(first, 200);
        var firstExpiry = first.Json.Int("expires_at_ms");

        await Eventually.TrueAsync(async () =>
        {
            var again = await Api.PostAsync($"/leases/{lease.LeaseId}/heartbeat", "{}", lease.Auth, Key(key));
            Expect.Status(again, 200);
            return again.Json.Int("expires_at_ms") > firstExpiry;
        }, TimeSpan.FromSeconds(3), "a repeated heartbeat under the same key to extend the lease again");
    }

    /// <summary>W9 product decision: records are bound to the caller's Authorization header.</summary>
    [Fact]
    public async Task SameKeyAndBodyWithAnotherCredentialIsAnIndependentScope()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var key = Flow.Unique("key");
        var body = Flow.TaskBody(pipeline.Id).ToJsonString();

        var alice = await Api.PostAsync("/tasks", body, "Bearer alice", Key(key));
        var bob = await Api.PostAsync("/tasks", body, "Bearer bob", Key(key));
        var nobody = await Api.PostAsync("/tasks", body, auth: "", headers: Key(key));
        var aliceAgain = await Api.PostAsync("/tasks", body, "Bearer alice", Key(key));

        foreach (var r in new[] { alice, bob, nobody, aliceAgain }) Expect.Status(r, 201);
        new[] { alice, bob, nobody }.Select(r => r.Json.Str("id")).Should().OnlyHaveUniqueItems();
        aliceAgain.Json.Str("id").Should().Be(alice.Json.Str("id"));
        (await Api.AllTasksAsync(pipeline.Id)).Should().HaveCount(3);
    }
}
