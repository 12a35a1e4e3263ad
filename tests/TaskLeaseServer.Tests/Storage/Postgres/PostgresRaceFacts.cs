using Dapper;
using FluentAssertions;
using Npgsql;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Postgres;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Postgres;

/// <summary>
/// The races READ COMMITTED across nodes adds to the single-writer design (POSTGRES-RESEARCH §9),
/// each run for real: two engines, two connections, the competing unit started while the first
/// sits right after the read the competitor could invalidate.
/// </summary>
public sealed class PostgresRaceFacts : TwoNodes
{
    [Fact]
    public async Task TwoNodesClaimingAtOnce_NeverGrantOneTaskTwice()
    {
        var pid = await Pipeline(A);
        await A.Writer.Run(u => Creation.Tasks(u, Enumerable.Range(0, 60).Select(i => New(pid, "t" + i)).ToList()));

        using var start = new Barrier(80);
        var claims = await Task.WhenAll(Enumerable.Range(0, 80).Select(i => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(20));
            return Claim(i % 2 == 0 ? A : B, "worker", "agent-" + i);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));

        var won = claims.Where(c => c is not null).Select(c => c!.Task.Id).ToList();
        won.Should().HaveCount(60).And.OnlyHaveUniqueItems();
        (await A.Writer.Run(u => u.Leases.Expired(1_000))).Should().BeEmpty();
        A.Reads.Health(Clock.GetUtcNow().ToUnixTimeMilliseconds()).ActiveLeases.Should().Be(60);
    }

    [Fact]
    public async Task LimitedClaimsOnTwoNodesAtOnce_NeverExceedThePerStateLimit()
    {
        var pid = await Pipeline(A);
        await A.Writer.Run(u => Creation.Tasks(u, Enumerable.Range(0, 20).Select(i => New(pid, "t" + i)).ToList()));
        var limits = new Dictionary<string, long> { ["todo"] = 2 };

        using var start = new Barrier(16);
        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(20));
            return (i % 2 == 0 ? A : B).Writer.Run(u => Claims.Claim(u, new ClaimRequest("agent-" + i, "worker", 60_000, limits)));
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));

        claims.Count(c => c is not null).Should().Be(2);
    }

    [Fact]
    public async Task OneIdempotencyKey_OnTwoNodesAtOnce_RunsTheEffectOnce()
    {
        var scope = new IdempotencyScope("key-1", "POST", "/store/ns/k", [1], [2]);
        Task<string>? second = null;

        var first = await A.Writer.Run(u => Effect(new PausingUnit(u, op =>
        {
            if (op == "Find" && second is null)
            {
                second = B.Writer.Run(v => Effect(v, scope));
                UntilBlockedOrDone(second);
            }
        }), scope));

        first.Should().Be("ran");
        (await second!).Should().Be("replayed");
        A.Reads.KvGet("ns", "runs")!.ValueJson.Should().Be("1");
    }

    /// <summary>The idempotent-write protocol of Api/Http/Writes, with a counter as the effect.</summary>
    private static string Effect(IWriteUnit unit, IdempotencyScope scope)
    {
        unit.Idempotency.Serialize(scope);
        if (unit.Idempotency.Find(scope) is not null) return "replayed";
        var runs = unit.Db().ExecuteScalar<long?>("SELECT value_json::bigint FROM store WHERE namespace = 'ns' AND key = 'runs'") ?? 0;
        unit.Kv.Put("ns", "runs", (runs + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        unit.Idempotency.Record(scope, 200, [1]);
        return "ran";
    }

    [Fact]
    public async Task ATaskCreatedWhileItsUpstreamCompletes_IsNotLeftBlocked()
    {
        var pid = await Pipeline(A);
        var upstream = (await A.Writer.Run(u => Creation.Tasks(u, [New(pid, "upstream")])))[0];
        await Transition(A, (await Claim(A, "worker", "w"))!, "submit");
        var review = (await Claim(A, "reviewer", "r"))!;
        Task<TransitionResult>? completion = null;

        var created = await B.Writer.Run(u => Creation.Tasks(new PausingUnit(u, op =>
        {
            if (op == "IsTerminal" && completion is null)
            {
                completion = Transition(A, review, "approve");
                UntilBlockedOrDone(completion);
            }
        }), [New(pid, "downstream", dependsOn: [upstream])]));

        (await completion!).NewStage.Should().Be("done");
        var claim = await Claim(B, "worker", "w2");
        claim.Should().NotBeNull("the upstream is done, so its dependent must be ready");
        claim!.Task.Id.Should().Be(created[0]);
    }

    [Fact]
    public async Task ADependencyAddedWhileItsUpstreamCompletes_IsNotLeftBlocked()
    {
        var pid = await Pipeline(A);
        var ids = await A.Writer.Run(u => Creation.Tasks(u, [New(pid, "upstream"), New(pid, "downstream")]));
        await Transition(A, (await Claim(A, "worker", "w"))!, "submit");
        var review = (await Claim(A, "reviewer", "r"))!;
        Task<TransitionResult>? completion = null;

        await B.Writer.Run(u =>
        {
            // Read the upstream as unfinished, then let it finish before this unit commits its edge.
            Creation.Dependency(new PausingUnit(u, op =>
            {
                if (op == "Reaches" && completion is null)
                {
                    completion = Transition(A, review, "approve");
                    UntilBlockedOrDone(completion);
                }
            }), ids[1], ids[0]);
            return true;
        });

        (await completion!).NewStage.Should().Be("done");
        var claim = await Claim(B, "worker", "w2");
        claim.Should().NotBeNull("the upstream is done, so its dependent must be ready");
        claim!.Task.Id.Should().Be(ids[1]);
    }

    [Fact]
    public async Task TwoOppositeEdgesAddedAtOnce_OnlyOneIsAdded()
    {
        var pid = await Pipeline(A);
        var ids = await A.Writer.Run(u => Creation.Tasks(u, [New(pid, "x"), New(pid, "y")]));
        string x = ids[0], y = ids[1];
        Task<bool>? opposite = null;

        var first = await A.Writer.Run(u =>
        {
            Creation.Dependency(new PausingUnit(u, op =>
            {
                if (op == "Reaches" && opposite is null)
                {
                    opposite = B.Writer.Run(v => { Creation.Dependency(v, y, x); return true; });
                    UntilBlockedOrDone(opposite);
                }
            }), x, y);
            return true;
        });

        first.Should().BeTrue();
        var refused = () => opposite!;
        (await refused.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.InvalidDependency);
        A.Reads.Dependencies(y).Should().BeEmpty();
        A.Reads.Dependencies(x).Select(d => d.DependsOnTaskId).Should().Equal(y);
    }

    [Fact]
    public async Task TwoNodesStartingOnAnEmptyDatabase_MigrateItOnce()
    {
        var url = Support.PostgresCluster.NewEmptyDatabase();
        try
        {
            var engines = Enumerable.Range(0, 3).Select(_ => new PostgresEngine(new StorageOptions(url), new CommitSignal(), Clock)).ToList();
            using var start = new Barrier(engines.Count);
            await Task.WhenAll(engines.Select(e => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(20));
                e.Migrate();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

            await using (var db = engines[0].DataSource.OpenConnection())
            {
                (await db.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version")).Should()
                    .Equal(PostgresMigrator.Scripts().Select(s => s.Version));
            }
            foreach (var engine in engines) engine.Dispose();
        }
        finally
        {
            Support.PostgresCluster.DropDatabase(url);
        }
    }
}

internal static class UnitConnection
{
    /// <summary>The PostgreSQL connection under a unit (through any decorator), for a fact's own bookkeeping.</summary>
    public static NpgsqlConnection Db(this IWriteUnit unit) => unit switch
    {
        PostgresWriteUnit pg => pg.Db,
        PausingUnit pausing => pausing.Inner.Db(),
        _ => throw new InvalidOperationException("not a PostgreSQL unit"),
    };
}
