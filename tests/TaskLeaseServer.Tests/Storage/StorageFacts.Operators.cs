using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// Role controls and API keys (EXTENSIONS §9, §13), the same on every engine.
public abstract partial class StorageFacts
{
    [Fact]
    public async Task APausedRole_ClaimsNothing_UntilResumed_AndTheResumeSignalsTheRole()
    {
        var pid = await Pipeline();
        await OneTask(New(pid));
        await Run(u => { RoleControls.Pause(u, Worker, "incident", drain: false, "oncall"); return 0; });

        (await Claim()).Should().BeNull("claims of a paused role find nothing");
        (await Claim(Reviewer)).Should().BeNull("no reviewer task yet, and the reviewer role is not paused");
        (await Run(u => u.Roles.IsPaused(Worker))).Should().BeTrue();
        (await Run(u => u.Roles.IsPaused(Reviewer))).Should().BeFalse();

        var notices = Notices();
        await Run(u => { RoleControls.Resume(u, Worker, "oncall"); return 0; });
        WakesIn(notices).Should().Contain(new Wake(Worker, null, All: true));
        (await Claim()).Should().NotBeNull();
    }

    [Fact]
    public async Task PauseAndResume_WriteOneEventEachWithTheActor_AndRepeatsWriteNone()
    {
        await Pipeline();
        await Run(u => { RoleControls.Pause(u, Worker, "deploy", drain: true, "oncall"); return 0; });
        await Run(u => { RoleControls.Pause(u, Worker, "again", drain: false, "oncall"); return 0; });
        await Run(u => { RoleControls.Resume(u, Worker, "token"); return 0; });
        await Run(u => { RoleControls.Resume(u, Worker, "token"); return 0; });

        var events = Reads.RoleEvents(null, 100).Items;
        events.Select(e => (e.Kind, e.Role)).Should().Equal((ServerEvents.RolePaused, Worker), (ServerEvents.RoleResumed, Worker));
        events[0].DataJson.Should().Be("""{"actor":"oncall","reason":"deploy","drain":true}""");
        events[1].DataJson.Should().Be("""{"actor":"token"}""");
        Reads.RoleEvents(events[0].Id, 100).Items.Should().ContainSingle().Which.Id.Should().Be(events[1].Id);
    }

    [Fact]
    public async Task Roles_ListsEveryPipelineRole_WithPauseState_ClaimableTasks_AndLiveLeases()
    {
        var pid = await Pipeline();
        await Tasks(New(pid), New(pid), New(pid));
        await Claimed();
        await Run(u => { RoleControls.Pause(u, Reviewer, "look", drain: true, "oncall"); return 0; });

        var roles = Reads.Roles(Now);
        roles.Select(r => r.Role).Should().Equal(Reviewer, Worker);
        var worker = roles.Single(r => r.Role == Worker);
        (worker.Paused, worker.ClaimableCount, worker.ActiveLeases).Should().Be((false, 2, 1));
        var reviewer = roles.Single(r => r.Role == Reviewer);
        (reviewer.Paused, reviewer.DrainRequested, reviewer.Reason).Should().Be((true, true, "look"));
        Reads.ActiveLeases(Worker, Now).Should().Be(1);
        Reads.ActiveLeases(Reviewer, Now).Should().Be(0);
        Reads.ActiveLeases(null, Now).Should().Be(1);

        Advance(60_001);
        Reads.ActiveLeases(null, Now).Should().Be(0, "an expired lease is not live, reaped or not");
    }

    [Fact]
    public async Task ApiKeys_AreFoundByHash_ListedWithoutThem_TouchedForward_AndDeleted()
    {
        var (key, hash) = ApiKey.Mint();
        var row = new ApiKeyRow { Id = Ids.New(), Name = "ci", Scopes = "agent,read", KeyHash = hash, CreatedAtMs = Now, ExpiresAtMs = Now + 1000 };
        (await Run(u => u.Keys.TryInsert(row))).Should().BeTrue();
        (await Run(u => u.Keys.TryInsert(new ApiKeyRow { Id = Ids.New(), Name = "ci", Scopes = "read", KeyHash = ApiKey.Mint().Hash, CreatedAtMs = Now })))
            .Should().BeFalse("names are unique");

        var found = Reads.ApiKey(ApiKey.HashOf(key))!;
        (found.Id, found.Name, found.Scopes, found.ExpiresAtMs, found.LastUsedAtMs).Should().Be((row.Id, "ci", "agent,read", Now + 1000, (long?)null));
        Reads.ApiKey(ApiKey.Mint().Hash).Should().BeNull();

        await Run(u => { u.Keys.Touch(row.Id, Now + 5); return 0; });
        await Run(u => { u.Keys.Touch(row.Id, Now + 1); return 0; });
        Reads.ApiKeys(null, 10).Items.Should().ContainSingle().Which.LastUsedAtMs.Should().Be(Now + 5, "a late write never moves it back");

        (await Run(u => u.Keys.Delete(row.Id))).Should().BeTrue();
        (await Run(u => u.Keys.Delete(row.Id))).Should().BeFalse();
        Reads.ApiKey(ApiKey.HashOf(key)).Should().BeNull("a deleted key is gone for the next request");
    }
}

// Per-stage concurrency limits (EXTENSIONS §12).
public abstract partial class StorageFacts
{
    /// <summary>todo (worker, at most 3 at once) → done; a second pipeline's "todo" stage has no limit.</summary>
    protected const string LimitedPipelineJson = """
        {"initial": "todo",
         "states": {"todo": {"agent_role": "worker", "max_concurrent": 3}, "done": {"terminal": true}},
         "transitions": [{"from": "todo", "to": "done", "trigger": "finish"}]}
        """;

    [Fact]
    public async Task AStageAtItsMaxConcurrent_IsSkipped_ByPipelineAndStage_NotByStageName()
    {
        var limited = await Pipeline(LimitedPipelineJson);
        await Tasks(Enumerable.Range(0, 5).Select(i => New(limited, priority: 10)).ToArray());
        for (var i = 0; i < 3; i++) await Claimed(agent: "a" + i);
        (await Claim(agent: "a3")).Should().BeNull("three live leases is the stage's limit");

        var open = await Pipeline();
        var other = await OneTask(New(open));
        (await Claimed(agent: "a4")).Task.Id.Should().Be(other, "the same stage name in another pipeline has no limit");
        Reads.TaskDetails(other)!.Task.LeaseId.Should().NotBeNull();
        Reads.Tasks(new TaskFilter("todo", limited, null, 100)).Items.Count(t => t.LeaseId is not null).Should().Be(3,
            "a task the full stage gave back holds no lease mark");
    }

    [Fact]
    public async Task AnExpiredLease_FreesItsPlaceInALimitedStage()
    {
        var limited = await Pipeline(LimitedPipelineJson);
        await Tasks(Enumerable.Range(0, 5).Select(_ => New(limited)).ToArray());
        await Claimed(agent: "a0", ttlMs: 1_000);
        await Claimed(agent: "a1");
        await Claimed(agent: "a2");
        (await Claim(agent: "a3")).Should().BeNull();
        Advance(1_000);
        (await Claim(agent: "a3")).Should().NotBeNull("a lease past its expiry is not live, reaped or not");
    }

    [Fact]
    public async Task ThirtyTwoClaimsAtOnce_OnAStageWithMaxConcurrent3_WinExactlyThree()
    {
        var limited = await Pipeline(LimitedPipelineJson);
        await Tasks(Enumerable.Range(0, 40).Select(_ => New(limited)).ToArray());
        var claims = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() => Claim(agent: "racer-" + i))));
        claims.Count(c => c is not null).Should().Be(3);
        Reads.ActiveLeases(Worker, Now).Should().Be(3);

        var done = claims.First(c => c is not null)!;
        await Transition(done, "finish");
        var again = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(() => Claim(agent: "again-" + i))));
        again.Count(c => c is not null).Should().Be(1, "one place came free");
        Reads.ActiveLeases(Worker, Now).Should().Be(3);
    }
}
