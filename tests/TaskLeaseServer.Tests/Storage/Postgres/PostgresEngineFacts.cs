using Dapper;
using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Postgres;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Postgres;

/// <summary>What only the PostgreSQL engine has: its stage count deltas and their fold, and the claim's plan.</summary>
public sealed class PostgresEngineFacts : TwoNodes
{
    [Fact]
    public async Task FoldingTheStageCountDeltas_ChangesNoCount_AndEmptiesTheDeltas()
    {
        var pid = await Pipeline(A);
        await A.Writer.Run(u => Creation.Tasks(u, Enumerable.Range(0, 5).Select(i => New(pid)).ToList()));
        await Transition(A, (await Claim(A, "worker", "w"))!, "submit");
        await Transition(B, (await Claim(B, "worker", "w"))!, "submit");
        await Transition(B, (await Claim(B, "reviewer", "r"))!, "approve");
        var now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var before = A.Reads.Health(now).Stages.Select(s => (s.Stage, s.Count)).ToList();

        var engine = (PostgresEngine)A;
        StageCountFolder.Fold(engine.DataSource).Should().BeGreaterThan(0);

        before.Should().Equal(("done", 1L), ("review", 1L), ("todo", 3L));
        A.Reads.Health(now).Stages.Select(s => (s.Stage, s.Count)).Should().Equal(before);
        await using var db = engine.DataSource.OpenConnection();
        (await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM stage_count_deltas")).Should().Be(0);
        StageCountFolder.Fold(engine.DataSource).Should().Be(0);
    }

    [Fact]
    public async Task TextWithANulCharacter_IsRefusedAsInput_NotAFailure()
    {
        var pid = await Pipeline(A);

        var create = () => A.Writer.Run(u => Creation.Tasks(u, [New(pid, "a\0b")]));

        (await create.Should().ThrowAsync<DomainError>()).Which.Fault.Should().Be(Fault.UnstorableText);
        A.Reads.Tasks(new TaskFilter(null, pid, null, 10)).Items.Should().BeEmpty();
        TaskLeaseServer.Api.Http.ErrorTable.Of(Fault.UnstorableText).Should().Be((400, "validation_failed"));
    }

    [Fact]
    public async Task TheClaim_SeeksTheReadyIndexes_InsteadOfScanningTheTable()
    {
        var pid = await Pipeline(A);
        await A.Writer.Run(u => Creation.Tasks(u, Enumerable.Range(0, 200).Select(i => New(pid)).ToList()));
        await using var db = ((PostgresEngine)A).DataSource.OpenConnection();
        await db.ExecuteAsync("ANALYZE tasks");

        var plan = string.Join('\n', await db.QueryAsync<string>("EXPLAIN " + ClaimSql.Claim
            .Replace("@role", "'worker'", StringComparison.Ordinal).Replace("@agent", "'a'", StringComparison.Ordinal)
            .Replace("@now", "0", StringComparison.Ordinal).Replace("@full", "'{}'::text[]", StringComparison.Ordinal).Replace("@limitedPairs", "'{}'::text[]", StringComparison.Ordinal)
            .Replace("@leaseId", "'l'", StringComparison.Ordinal)));

        plan.Should().Contain("ix_tasks_claim_free").And.Contain("ix_tasks_claim_assigned").And.Contain("ix_tasks_retry_wait");
        // The free and assigned branches read their index in claim order (no sort of the backlog);
        // only the few retries past their delay that the sweeper has not yet promoted are sorted.
        plan.Should().NotContain("Seq Scan").And.NotContain("Sort Key: tasks.priority").And.NotContain("Sort Key: tasks_1.priority");
    }
}
