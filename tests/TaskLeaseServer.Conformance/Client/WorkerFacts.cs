using System.Collections.Concurrent;
using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using TaskLeaseServer.Client;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Client;

/// <summary>Issue 13: the hosted worker against the real server process.</summary>
public sealed class WorkerFacts
{
    private static TaskLeaseWorker Worker(TaskLeaseClient client, string role, int slots, TaskHandler handler,
        CollectingLogger<TaskLeaseWorker> log, long ttlMs = 60_000) =>
        new(client, new TaskLeaseWorkerOptions
        {
            AgentRole = role, AgentId = "worker-" + role, Concurrency = slots, LeaseTtlMs = ttlMs, ClaimWaitMs = 1_000,
            UnavailableBackoff = TimeSpan.FromMilliseconds(100), StopGrace = TimeSpan.FromSeconds(2),
        }, handler, log);

    [Fact]
    public async Task APoolOfEightDrains2000TasksExactlyOnceWhileTheServerIsKilledAndRestarted()
    {
        const int Tasks = 2_000;
        var dir = ServerProcess.NewTempDir();
        var options = new ServerOptions { Db = TestDatabase.Fresh(dir, "worker"), Port = ServerProcess.FreePort(), SweepIntervalMs = 200 };
        var server = await ServerProcess.StartAsync(options, dir);
        try
        {
            var client = WorkerHarness.PatientClient(server.BaseAddress);
            var role = Flow.Unique("drain");
            var pipeline = await client.CreatePipelineAsync(role, WorkerHarness.TwoStageDefinition(role));
            for (var i = 0; i < Tasks; i += 500)
                await client.CreateTasksAsync(Enumerable.Range(i, 500).Select(n => new NewTask(pipeline, "t" + n)).ToList());

            var handled = new ConcurrentDictionary<(string, string), int>();
            var done = 0;
            var log = new CollectingLogger<TaskLeaseWorker>();
            var worker = Worker(client, role, 8, (ctx, _) =>
            {
                handled.AddOrUpdate((ctx.Task.Id, ctx.Task.Stage), 1, (_, n) => n + 1);
                Interlocked.Increment(ref done);
                return Task.FromResult(WorkResult.Transition(ctx.Task.Stage == "todo" ? "submit" : "approve"));
            }, log);
            await worker.StartAsync(CancellationToken.None);

            await WorkerHarness.Until(() => Task.FromResult(Volatile.Read(ref done) >= Tasks * 2 / 3), TimeSpan.FromMinutes(2), "a third of the work");
            await server.StopAsync(); // kill -9 of the process tree, mid-load
            server = await ServerProcess.StartAsync(options, dir);

            await WorkerHarness.Until(async () => (await client.GetHealthAsync()).TasksByStage.Where(s => s.Stage == "done").Sum(s => s.Count) >= Tasks,
                TimeSpan.FromMinutes(3), "every task reaching done");
            await worker.StopAsync(CancellationToken.None);

            var tasks = new List<TaskItem>();
            await foreach (var t in client.EnumerateTasksAsync(new TaskQuery { PipelineId = pipeline })) tasks.Add(t);
            tasks.Should().HaveCount(Tasks);
            tasks.Should().OnlyContain(t => t.Stage == "done" && t.TaskVersion == 3, "each task moved exactly once per stage");
            handled.Keys.Select(k => k.Item1).Distinct().Should().HaveCount(Tasks);
            log.AtLeast(LogLevel.Error).Should().BeEmpty("every result was recorded");
        }
        finally
        {
            await server.DisposeAsync();
            ServerProcess.TryDeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task ALostLeaseCancelsTheHandlerWithinOneHeartbeatAndItsLateResultIsDropped()
    {
        await using var server = await ServerProcess.StartAsync();
        var client = new TaskLeaseClient(server.BaseAddress);
        var role = Flow.Unique("lost");
        var pipeline = await client.CreatePipelineAsync(role, WorkerHarness.TwoStageDefinition(role));
        var task = await client.CreateTaskAsync(new NewTask(pipeline, "t"));

        var held = new TaskCompletionSource<TaskContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var canceledAfter = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var log = new CollectingLogger<TaskLeaseWorker>();
        var worker = Worker(client, role, 1, async (ctx, ct) =>
        {
            held.TrySetResult(ctx);
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { canceledAfter.TrySetResult(clock.Elapsed); }
            return WorkResult.Transition("submit"); // outlives its lease: must never be recorded
        }, log, ttlMs: 3_000);
        await worker.StartAsync(CancellationToken.None);

        var ctx = await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
        clock.Start();
        await client.ReleaseAsync(ctx.Claim.LeaseId, ctx.Claim.LeaseToken); // the lease is gone: the next heartbeat gets 404
        var after = await canceledAfter.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await worker.StopAsync(CancellationToken.None);

        after.Should().BeLessThan(TimeSpan.FromMilliseconds(1_000 + 1_500), "a heartbeat goes every 1 s (a third of the 3 s TTL)");
        var details = await client.GetTaskAsync(task);
        details.Stage.Should().Be("todo");
        details.TaskVersion.Should().Be(1, "the late result was dropped");
        log.AtLeast(LogLevel.Warning).Should().Contain(l => l.Contains("was lost while working", StringComparison.Ordinal));
    }

    /// <summary>Counts the heartbeats the worker sends, with the time of each.</summary>
    private sealed class CountsHeartbeats() : DelegatingHandler(new HttpClientHandler())
    {
        public readonly ConcurrentQueue<long> At = new();
        public Action? OnBeat;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var sentAt = Stopwatch.GetTimestamp(); // the send, not the answer: a slow answer must not shift the schedule seen
            var response = await base.SendAsync(request, ct);
            if (request.RequestUri!.AbsolutePath.EndsWith("/heartbeat", StringComparison.Ordinal) && response.IsSuccessStatusCode)
            {
                At.Enqueue(sentAt);
                OnBeat?.Invoke();
            }
            return response;
        }
    }

    [Fact]
    public async Task AHandlerThatOutlastsTheTtlKeepsItsLeaseByHeartbeatsEveryThirdOfIt()
    {
        await using var server = await ServerProcess.StartAsync();
        var beats = new CountsHeartbeats();
        var client = new TaskLeaseClient(new HttpClient(beats) { BaseAddress = server.BaseAddress });
        var role = Flow.Unique("long");
        // Review belongs to another role: this worker gets the task once.
        var pipeline = await client.CreatePipelineAsync(role, new
        {
            initial = "todo",
            states = new Dictionary<string, object> { ["todo"] = new { agent_role = role }, ["review"] = new { agent_role = role + "-review" }, ["done"] = new { terminal = true } },
            transitions = new[] { new { from = "todo", to = "review", trigger = "submit" }, new { from = "review", to = "done", trigger = "approve" } },
        });
        var task = await client.CreateTaskAsync(new NewTask(pipeline, "t"));

        // The handler works until the worker has heartbeat 4 times: past the 3 s TTL it was claimed with.
        var fourBeats = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        beats.OnBeat = () => { if (beats.At.Count >= 4) fourBeats.TrySetResult(); };
        var claimedAt = 0L;
        var worker = Worker(client, role, 1, async (ctx, ct) =>
        {
            claimedAt = Stopwatch.GetTimestamp();
            await fourBeats.Task.WaitAsync(ct);
            return WorkResult.Transition("submit");
        }, new CollectingLogger<TaskLeaseWorker>(), ttlMs: 3_000);
        await worker.StartAsync(CancellationToken.None);
        await WorkerHarness.Until(async () => (await client.GetTaskAsync(task)).Stage == "review", TimeSpan.FromSeconds(60), "the long task transitioned");
        await worker.StopAsync(CancellationToken.None);

        var at = beats.At.ToArray();
        Stopwatch.GetElapsedTime(claimedAt, at[3]).Should().BeGreaterThan(TimeSpan.FromSeconds(3), "the handler outlasted the TTL");
        (await client.GetTaskAsync(task)).TaskVersion.Should().Be(2, "its result was recorded on the lease it kept");
        at.Zip(at.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b)).Should()
            .OnlyContain(gap => gap > TimeSpan.FromMilliseconds(700), "a heartbeat every third of the 3 s TTL (1 s ticks), not more often");
    }

    [Fact]
    public async Task AServerThatStaysAwayCancelsTheHandlerAtTheLeasesExpiryNotAfterTheRetries()
    {
        var server = await ServerProcess.StartAsync();
        try
        {
            // Retries that would go on for a minute: the heartbeat must give up at the lease's expiry.
            var client = WorkerHarness.PatientClient(server.BaseAddress);
            var role = Flow.Unique("away");
            var pipeline = await client.CreatePipelineAsync(role, WorkerHarness.TwoStageDefinition(role));
            await client.CreateTaskAsync(new NewTask(pipeline, "t"));

            var held = new TaskCompletionSource<TaskContext>(TaskCreationOptions.RunContinuationsAsynchronously);
            var canceledAt = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            var worker = Worker(client, role, 1, async (ctx, ct) =>
            {
                held.TrySetResult(ctx);
                try { await Task.Delay(Timeout.Infinite, ct); }
                catch (OperationCanceledException) { canceledAt.TrySetResult(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()); }
                return WorkResult.Transition("submit");
            }, new CollectingLogger<TaskLeaseWorker>(), ttlMs: 3_000);
            await worker.StartAsync(CancellationToken.None);
            await held.Task.WaitAsync(TimeSpan.FromSeconds(30));

            var killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await server.StopAsync(); // kill -9; the lease runs out at most 3 s after its last heartbeat
            var at = await canceledAt.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await worker.StopAsync(CancellationToken.None);

            (at - killedAt).Should().BeLessThan(3_000 + 1_500, "the handler stops by the lease's expiry, not after a minute of retries");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task ShutdownReleasesTheLeasesItHoldsAndTheTasksAreClaimableAtOnce()
    {
        await using var server = await ServerProcess.StartAsync();
        var client = new TaskLeaseClient(server.BaseAddress);
        var role = Flow.Unique("stop");
        var pipeline = await client.CreatePipelineAsync(role, WorkerHarness.TwoStageDefinition(role));
        var ids = await client.CreateTasksAsync([new NewTask(pipeline, "a"), new NewTask(pipeline, "b")]);

        var holding = 0;
        var worker = Worker(client, role, 2, async (_, ct) =>
        {
            Interlocked.Increment(ref holding);
            await Task.Delay(Timeout.Infinite, ct);
            return WorkResult.Transition("submit");
        }, new CollectingLogger<TaskLeaseWorker>());
        await worker.StartAsync(CancellationToken.None);
        await WorkerHarness.Until(() => Task.FromResult(Volatile.Read(ref holding) == 2), TimeSpan.FromSeconds(30), "both tasks held");

        await worker.StopAsync(CancellationToken.None);

        (await client.GetHealthAsync()).ActiveLeases.Should().Be(0);
        var first = await client.ClaimAsync(new ClaimRequest("next", role));
        var second = await client.ClaimAsync(new ClaimRequest("next", role));
        new[] { first!.Task.Id, second!.Task.Id }.Should().BeEquivalentTo(ids);
        foreach (var id in ids) (await client.GetTaskAsync(id)).TaskVersion.Should().Be(1);
    }
}

/// <summary>Issue 13 with the agent and operator surfaces: revocation by an operator, and failures that must not be retried.</summary>
public sealed class WorkerOperatorFacts
{
    private static TaskLeaseWorker Worker(TaskLeaseClient client, string role, TaskHandler handler, CollectingLogger<TaskLeaseWorker> log) =>
        new(client, new TaskLeaseWorkerOptions
        {
            AgentRole = role, AgentId = "worker-" + role, Concurrency = 1, LeaseTtlMs = 3_000, ClaimWaitMs = 1_000,
            UnavailableBackoff = TimeSpan.FromMilliseconds(100), StopGrace = TimeSpan.FromSeconds(2),
        }, handler, log);

    [Fact]
    public async Task ALeaseRevokedByAnOperatorCancelsTheHandlerWithinOneHeartbeat()
    {
        await using var server = await ServerProcess.StartAsync();
        var client = new TaskLeaseClient(server.BaseAddress);
        var role = Flow.Unique("revoked");
        var pipeline = await client.CreatePipelineAsync(role, WorkerHarness.TwoStageDefinition(role));
        var task = await client.CreateTaskAsync(new NewTask(pipeline, "t"));

        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var canceledAfter = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = new Stopwatch();
        var log = new CollectingLogger<TaskLeaseWorker>();
        var worker = Worker(client, role, async (ctx, ct) =>
        {
            held.TrySetResult();
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { canceledAfter.TrySetResult(clock.Elapsed); }
            return WorkResult.Transition("submit");
        }, log);
        await worker.StartAsync(CancellationToken.None);
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30));

        clock.Start();
        (await client.CancelTaskAsync(task, reason: "wrong requirements")).Status.Should().Be("canceled");
        var after = await canceledAfter.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await worker.StopAsync(CancellationToken.None);

        after.Should().BeLessThan(TimeSpan.FromMilliseconds(1_000 + 1_500), "the next heartbeat (every 1 s) gets 410 lease_revoked");
        (await client.GetTaskAsync(task)).TaskVersion.Should().Be(1, "the handler's late result was dropped");
    }

    [Fact]
    public async Task ANonRetryableExceptionDeadLettersAtOnceAndAnyOtherIsRetried()
    {
        await using var server = await ServerProcess.StartAsync();
        var client = new TaskLeaseClient(server.BaseAddress);
        var role = Flow.Unique("failing");
        var pipeline = await client.CreatePipelineAsync(role, new
        {
            initial = "todo",
            states = new Dictionary<string, object> { ["todo"] = new { agent_role = role }, ["done"] = new { terminal = true }, ["dead"] = new { terminal = true } },
            transitions = new object[] { new { from = "todo", to = "done", trigger = "finish" } },
        });
        var policy = new RetryPolicy(MaxAttempts: 5, RetryDelayMs: 0, DeadLetterStage: "dead");
        var broken = await client.CreateTaskAsync(new NewTask(pipeline, "broken") { RetryPolicy = policy, Priority = 10 });
        var flaky = await client.CreateTaskAsync(new NewTask(pipeline, "flaky") { RetryPolicy = policy });

        var attempts = new ConcurrentDictionary<string, int>();
        var worker = Worker(client, role, (ctx, _) =>
        {
            var n = attempts.AddOrUpdate(ctx.Task.Id, 1, (_, v) => v + 1);
            if (ctx.Task.Title == "broken") throw new NonRetryableException("the input cannot be parsed", "bad_input");
            if (n == 1) throw new TimeoutException("the model timed out");
            return Task.FromResult(WorkResult.Transition("finish"));
        }, new CollectingLogger<TaskLeaseWorker>());
        await worker.StartAsync(CancellationToken.None);
        await WorkerHarness.Until(async () => (await client.GetTaskAsync(flaky)).Stage == "done" && (await client.GetTaskAsync(broken)).Stage == "dead",
            TimeSpan.FromSeconds(60), "both tasks settling");
        await worker.StopAsync(CancellationToken.None);

        var dead = await client.GetTaskAsync(broken);
        dead.DeadLetterReason.Should().Be("non_retryable");
        attempts[broken].Should().Be(1, "a non-retryable failure is not tried again");
        var runs = new List<Run>();
        await foreach (var r in client.EnumerateTaskRunsAsync(broken)) runs.Add(r);
        runs.Should().ContainSingle().Which.FailureKind.Should().Be("bad_input");
        attempts[flaky].Should().Be(2);
        var flakyRuns = new List<Run>();
        await foreach (var r in client.EnumerateTaskRunsAsync(flaky)) flakyRuns.Add(r);
        flakyRuns.Select(r => (r.Status, r.FailureKind)).Should().Equal(("failed", "TimeoutException"), ("completed", null));
    }
}
