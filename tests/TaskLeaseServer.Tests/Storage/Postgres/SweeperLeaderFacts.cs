using Dapper;
using FluentAssertions;
using Npgsql;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Postgres;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Postgres;

/// <summary>
/// One sweeper among the nodes on a database, and another when it is gone (Storage/Postgres/
/// SweeperLock); and the reap stays fenced, so two sweepers running at once still apply one expiry once.
/// </summary>
public sealed class SweeperLeaderFacts : TwoNodes
{
    [Fact]
    public async Task OneNodeLeads_TheOtherStandsByAndKnowsWho()
    {
        var a = await A.Sweeper.Hold(CancellationToken.None);
        var b = await B.Sweeper.Hold(CancellationToken.None);

        a.Should().Be(new SweeperStatus(true, "node-a"));
        b.Should().Be(new SweeperStatus(false, "node-a"));
        (await A.Sweeper.Hold(CancellationToken.None)).Leading.Should().BeTrue("the leader keeps leading while its session lives");
        (await B.Sweeper.Hold(CancellationToken.None)).Leading.Should().BeFalse();
    }

    [Fact]
    public async Task TheLeaderGone_TheOtherNodeLeadsOnItsNextTick()
    {
        (await A.Sweeper.Hold(CancellationToken.None)).Leading.Should().BeTrue();
        (await B.Sweeper.Hold(CancellationToken.None)).Leading.Should().BeFalse();

        A.Dispose(); // the process ends: its session, and the lock with it, go away
        UntilNoAdvisoryLock();

        (await B.Sweeper.Hold(CancellationToken.None)).Should().Be(new SweeperStatus(true, "node-b"));
    }

    [Fact]
    public async Task TheLeadersConnectionBroken_ItStepsDown_AndContendsAgain()
    {
        (await A.Sweeper.Hold(CancellationToken.None)).Leading.Should().BeTrue();
        (await B.Sweeper.Hold(CancellationToken.None)).Leading.Should().BeFalse();

        Terminate("node-a sweeper");

        (await B.Sweeper.Hold(CancellationToken.None)).Should().Be(new SweeperStatus(true, "node-b"), "the lock went with A's session");
        var noticed = await A.Sweeper.Hold(CancellationToken.None);
        noticed.Leading.Should().BeFalse();
        noticed.Problem.Should().NotBeNull("A finds its session gone on the tick after");
        (await A.Sweeper.Hold(CancellationToken.None)).Should().Be(new SweeperStatus(false, "node-b"), "A reconnects and stands by");

        Terminate("node-b sweeper");
        (await B.Sweeper.Hold(CancellationToken.None)).Leading.Should().BeFalse();
        (await A.Sweeper.Hold(CancellationToken.None)).Should().Be(new SweeperStatus(true, "node-a"), "and leads again when B is cut off");
    }

    [Fact]
    public async Task TwoSweepersAtOnce_OnTheSameExpiredLease_ApplyOneRetry()
    {
        var claim = await Expired();
        var staleView = await B.Writer.Run(u => u.Leases.Expired(10));
        staleView.Should().ContainSingle();
        var second = 0;

        // A sweeps and, before it commits, B sweeps too: B sees nothing to take (the row is A's).
        var first = await A.Writer.Run(u =>
        {
            var reaped = Sweep.Once(u, 500);
            second = B.Writer.Run(v => Sweep.Once(v, 500)).GetAwaiter().GetResult();
            return reaped;
        });
        // A third sweeper that read the lease as expired before A committed and reaps after: the fence says no.
        var late = await B.Writer.Run(u => Sweep.Once(new StaleExpiry(u, staleView), 500));

        first.Should().Be(1);
        second.Should().Be(0);
        late.Should().Be(1, "it looked at the lease");
        AppliedOnce(claim);
    }

    [Fact]
    public async Task TwoSweepersBothSeeingTheLeaseExpired_ApplyOneRetry_WhicheverCommitsFirst()
    {
        var claim = await Expired();
        var view = await A.Writer.Run(u => u.Leases.Expired(10));

        // Both units start from the same view and run at once on their own connections.
        using var start = new Barrier(2);
        var sweeps = await Task.WhenAll(new[] { A, B }.Select(node => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(20));
            return node.Writer.Run(u => Sweep.Once(new StaleExpiry(u, view), 500));
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));

        sweeps.Should().Equal(1, 1);
        AppliedOnce(claim);
    }

    /// <summary>A claimed task (three attempts allowed) whose lease has just expired.</summary>
    private async Task<ClaimResult> Expired()
    {
        var pid = await Pipeline(A);
        await A.Writer.Run(u => Creation.Tasks(u, [New(pid) with { MaxAttempts = 3 }]));
        var claim = (await A.Writer.Run(u => Claims.Claim(u, new ClaimRequest("agent", "worker", 1_000, new Dictionary<string, long>()))))!;
        Clock.Advance(TimeSpan.FromSeconds(2));
        return claim;
    }

    private void AppliedOnce(ClaimResult claim)
    {
        using var db = Open();
        db.ExecuteScalar<long>("SELECT count(*) FROM events WHERE run_id = @id AND kind = 'lease_expired'", new { id = claim.Run.Id }).Should().Be(1);
        db.ExecuteScalar<long>("SELECT count(*) FROM events WHERE run_id = @id AND kind = 'retry_scheduled'", new { id = claim.Run.Id }).Should().Be(1);
        db.ExecuteScalar<string>("SELECT status FROM runs WHERE id = @id", new { id = claim.Run.Id }).Should().Be("stale");
        db.ExecuteScalar<long>("SELECT count(*) FROM leases").Should().Be(0);
        db.ExecuteScalar<bool>("SELECT lease_id IS NULL AND dead_letter_reason IS NULL FROM tasks WHERE id = @id", new { id = claim.Task.Id })
            .Should().BeTrue("one failed attempt of three: retried, not dead-lettered");
    }

    /// <summary>Ends the session of that name and returns once its backend is gone (the signal is asynchronous).</summary>
    private void Terminate(string applicationName)
    {
        using var db = Open();
        var pid = db.ExecuteScalar<int>("SELECT pid FROM pg_stat_activity WHERE application_name = @applicationName", new { applicationName });
        db.ExecuteScalar<bool>("SELECT pg_terminate_backend(@pid, 10000)", new { pid }).Should().BeTrue("the backend ends within 10 s");
        UntilNoAdvisoryLock();
    }

    /// <summary>
    /// A backend that ends lets go of its locks a moment after it leaves pg_stat_activity; a
    /// node's next tick after that finds the lock free. Polls pg_locks, bounded.
    /// </summary>
    private void UntilNoAdvisoryLock()
    {
        using var db = Open();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (db.ExecuteScalar<bool>("""
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
            """))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the ended session's advisory lock was not released within 10 s");
            Thread.Sleep(5);
        }
    }

    private NpgsqlConnection Open()
    {
        var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresUrl.Parse(Url).ConnectionString) { Pooling = false }.ConnectionString);
        db.Open();
        return db;
    }

    /// <summary>A sweeper unit whose look-up of expired leases returns what it saw earlier (before another sweeper committed).</summary>
    private sealed class StaleExpiry(IWriteUnit inner, IReadOnlyList<LeaseRow> seen) : IWriteUnit, ILeaseWrites
    {
        public long Now => inner.Now;
        public T Nested<T>(Func<T> work, Func<T, bool> keep) => inner.Nested(work, keep);
        public void Claimable(string? role, string? assignee = null) => inner.Claimable(role, assignee);
        public void DueAt(long atMs) => inner.DueAt(atMs);
    public void WakeRole(string role) => inner.WakeRole(role);
        public IPipelineWrites Pipelines => inner.Pipelines;
        public ITaskWrites Tasks => inner.Tasks;
        public IDependencyWrites Dependencies => inner.Dependencies;
        public IAssignmentWrites Assignments => inner.Assignments;
        public ILeaseWrites Leases => this;
        public IRunWrites Runs => inner.Runs;
        public IIdempotencyWrites Idempotency => inner.Idempotency;
        public IKvWrites Kv => inner.Kv;
        public IArtifactWrites Artifacts => inner.Artifacts;
        public IOtlpWrites Otlp => inner.Otlp;
        public IApiKeyWrites Keys => inner.Keys;
        public IRoleWrites Roles => inner.Roles;

        public IReadOnlyList<LeaseRow> Expired(int max) => seen;
        public bool Reap(LeaseRow lease) => inner.Leases.Reap(lease);
        public TaskRow? ClaimNext(ClaimFilter filter, string leaseId) => inner.Leases.ClaimNext(filter, leaseId);
        public RunRow Open(TaskRow task, NewLease lease) => inner.Leases.Open(task, lease);
        public long LiveInStage(string stage) => inner.Leases.LiveInStage(stage);
        public long LiveInPipelineStage(string pipelineId, string stage) => inner.Leases.LiveInPipelineStage(pipelineId, stage);
        public LeaseRow? ById(string leaseId) => inner.Leases.ById(leaseId);
        public LeaseRow? ByRun(string runId) => inner.Leases.ByRun(runId);
        public bool Extend(LeaseFence fence, long expiresAtMs) => inner.Leases.Extend(fence, expiresAtMs);
        public bool End(LeaseFence fence) => inner.Leases.End(fence);
    }
}
