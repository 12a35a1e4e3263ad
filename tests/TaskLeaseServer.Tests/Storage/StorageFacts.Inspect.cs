using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// EXTENSIONS §10: inspect's verdict agrees with what a claim does.
public abstract partial class StorageFacts
{
    /// <summary>
    /// A pipeline whose one worked stage has a role of its own, so its tasks are the only ones that
    /// role can claim; <paramref name="maxConcurrent"/> limits that stage's live leases (EXTENSIONS §12).
    /// </summary>
    private static string OwnRolePipeline(string role, long? maxConcurrent = null) => $$$"""
        {"initial": "work",
         "states": {"work": {"agent_role": "{{{role}}}"{{{(maxConcurrent is { } limit ? $", \"max_concurrent\": {limit}" : "")}}}},
                    "idle": {}, "done": {"terminal": true}},
         "transitions": [{"from": "work", "to": "done", "trigger": "finish"}, {"from": "idle", "to": "work", "trigger": "go"}]}
        """;

    /// <summary>
    /// Random tasks (upstreams finished or not, an assignee, a not-before time ahead or behind, a
    /// retry delay, a dead letter, a pause, a cancel, a live or expired lease, a stage nobody works,
    /// a paused, draining or resumed role, a stage limit with leased siblings live or expired), each
    /// the only claimable candidate of its role: inspect says claimable exactly when a claim by the
    /// agent that may claim it (its assignee, or any) wins it.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Inspect_SaysClaimable_ExactlyWhenAClaimWouldWinTheTask(int seed)
    {
        var random = new Random(seed);
        var upstreams = await Pipeline(OwnRolePipeline("upstream-role"));
        for (var i = 0; i < 30; i++)
        {
            var role = $"role-{seed}-{i}";
            long? limit = random.Next(3) == 0 ? random.Next(1, 3) : null;
            var pid = await Pipeline(OwnRolePipeline(role, limit));
            var dependencies = new List<string>();
            if (random.Next(3) == 0)
            {
                var up = await OneTask(New(upstreams, "up"));
                if (random.Next(2) == 0) await Transition(await Claimed("upstream-role"), "finish");
                dependencies.Add(up);
            }
            var assignee = random.Next(3) == 0 ? "assignee-" + i : null;
            var notBefore = random.Next(4) switch { 0 => Now + 5_000, 1 => Now - 5_000, _ => 0 };
            var id = await OneTask(New(pid, "t" + i, maxAttempts: random.Next(2) == 0 ? 1 : 5,
                retryDelayMs: random.Next(2) == 0 ? 10_000 : 0, dependsOn: dependencies, assignee: assignee) with
            {
                NotBeforeMs = notBefore,
            });
            var agent = assignee ?? "anyone-" + i;
            // Some history: a failed attempt (a retry delay or a dead letter), or a lease left live or to expire.
            if (dependencies.Count == 0 && notBefore <= Now)
            {
                switch (random.Next(4))
                {
                    case 0: await Fail(await Claimed(role, agent)); break;
                    case 1: await Claimed(role, agent, ttlMs: 60_000); break;
                    case 2: await Claimed(role, agent, ttlMs: 1_000); break;
                }
            }
            // Siblings in the limited stage, each leased (live, or to expire) so none is a candidate
            // itself: their priority wins them over the task; one the full stage refuses is canceled.
            if (limit is { } max)
            {
                for (var j = random.Next(0, (int)max + 2); j > 0; j--)
                {
                    var sibling = await OneTask(New(pid, $"sibling-{i}-{j}", priority: 100));
                    var lease = await Claim(role, $"sibling-agent-{i}-{j}", ttlMs: random.Next(2) == 0 ? 60_000 : 1_000);
                    if (lease is null) await Run(u => Operators.Cancel(u, sibling, new CancelCommand(null, null), Op));
                    else lease.Task.Id.Should().Be(sibling, "seed {0} task {1}: the sibling outranks the task", seed, i);
                }
            }
            if (random.Next(5) == 0) await Run(u => Operators.Pause(u, id, "p", false, Op));
            if (random.Next(6) == 0) await Run(u => Operators.Cancel(u, id, new CancelCommand(null, null), Op));
            if (random.Next(8) == 0) await Run(u => { Stages.Move(u, u.Tasks.Find(id)!, "idle", afterSuccess: false); return true; });
            switch (random.Next(6))
            {
                case 0: await Run(u => { RoleControls.Pause(u, role, "incident", drain: false, Op); return 0; }); break;
                case 1: await Run(u => { RoleControls.Pause(u, role, null, drain: true, Op); return 0; }); break;
                case 2:
                    await Run(u => { RoleControls.Pause(u, role, null, drain: false, Op); return 0; });
                    await Run(u => { RoleControls.Resume(u, role, Op); return 0; });
                    break;
            }
            if (random.Next(3) == 0) Advance(random.Next(0, 12_000));

            var verdict = await Run(u => Operators.Inspect(u, id));
            var claim = await Claim(role, agent);

            (claim?.Task.Id == id).Should().Be(verdict.Claimable,
                "seed {0} task {1}: inspect said {2} ({3})", seed, i, verdict.Claimable,
                string.Join(", ", verdict.Reasons.Select(r => r.Code)));
            if (claim is null && !verdict.Claimable) verdict.Reasons.Where(r => r.Code != "assigned").Should().NotBeEmpty();
        }
    }

    [Fact]
    public async Task Inspect_NamesAPausedRole_AndAFullStage_WithTheirEvidence()
    {
        var pid = await Pipeline(OwnRolePipeline("limited", maxConcurrent: 1));
        var holder = await OneTask(New(pid, "holder", priority: 5));
        var id = await OneTask(New(pid, "waits"));
        var lease = await Claimed("limited", "agent-a");
        lease.Task.Id.Should().Be(holder);
        await Run(u => { RoleControls.Pause(u, "limited", "incident", drain: true, Op); return 0; });

        var result = await Run(u => Operators.Inspect(u, id));

        result.Claimable.Should().BeFalse();
        result.Status.Should().Be("ready");
        result.Reasons.Select(r => r.Code).Should().Equal("role_paused", "stage_full");
        result.Reasons[0].Evidence.Should().Equal(("role", (object?)"limited"));
        result.Reasons[1].Evidence.Should().Equal(("stage", (object?)"work"), ("limit", (object?)1L), ("active", (object?)1L));
        result.NextAction.Should().Be("resume the role with POST /ops/roles/limited/resume");

        // The holder's own lease is not a rival: it is "leased", not held back by a full stage.
        (await Run(u => Operators.Inspect(u, holder))).Reasons.Select(r => r.Code).Should().Equal("leased", "role_paused");

        await Run(u => { RoleControls.Resume(u, "limited", Op); return 0; });
        var resumed = await Run(u => Operators.Inspect(u, id));
        resumed.Reasons.Select(r => r.Code).Should().Equal("stage_full");
        resumed.NextAction.Should().Contain("stage \"work\"").And.Contain("max_concurrent 1");

        await Release(lease);
        (await Run(u => Operators.Inspect(u, id))).Claimable.Should().BeTrue();
    }

    [Fact]
    public async Task Inspect_ListsEveryReason_WithItsEvidence()
    {
        var pid = await Pipeline();
        var up = await OneTask(New(pid, "up"));
        var id = await OneTask(New(pid, "t", dependsOn: [up], assignee: "agent-9") with { NotBeforeMs = Now + 5_000, Paused = true });
        await Run(u => Operators.Cancel(u, id, new CancelCommand("no longer", null), Op));

        var result = await Run(u => Operators.Inspect(u, id));

        result.Claimable.Should().BeFalse();
        result.Status.Should().Be("canceled");
        result.Reasons.Select(r => r.Code).Should().Equal("canceled", "paused", "blocked", "waiting", "assigned");
        result.Reasons[0].Evidence.Should().Contain(("reason", (object?)"no longer"));
        result.Reasons[2].Evidence.Single().Value.Should().BeEquivalentTo(new[] { up });
        result.Reasons[3].Evidence.Should().Contain(("until_ms", (object?)(Now + 5_000))).And.Contain(("cause", (object?)"not_before"));
        result.NextAction.Should().Contain($"POST /tasks/{id}/requeue");
    }
}
