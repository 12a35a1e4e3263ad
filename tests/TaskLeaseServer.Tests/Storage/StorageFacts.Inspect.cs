using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

// EXTENSIONS §10: inspect's verdict agrees with what a claim does.
public abstract partial class StorageFacts
{
    /// <summary>A pipeline whose one worked stage has a role of its own, so its task is the only one that role can claim.</summary>
    private static string OwnRolePipeline(string role) => $$$"""
        {"initial": "work",
         "states": {"work": {"agent_role": "{{{role}}}"}, "idle": {}, "done": {"terminal": true}},
         "transitions": [{"from": "work", "to": "done", "trigger": "finish"}, {"from": "idle", "to": "work", "trigger": "go"}]}
        """;

    /// <summary>
    /// Random tasks (upstreams finished or not, an assignee, a not-before time ahead or behind, a
    /// retry delay, a dead letter, a pause, a cancel, a live or expired lease, a stage nobody works),
    /// each alone in its role: inspect says claimable exactly when a claim by the agent that may
    /// claim it (its assignee, or any) wins it. Role pauses and stage limits are not built here yet.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Inspect_SaysClaimable_ExactlyWhenAClaimWouldWinTheTask(int seed)
    {
        var random = new Random(seed);
        var upstreams = await Pipeline(OwnRolePipeline("upstream-role"));
        for (var i = 0; i < 25; i++)
        {
            var role = $"role-{seed}-{i}";
            var pid = await Pipeline(OwnRolePipeline(role));
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
            if (random.Next(5) == 0) await Run(u => Operators.Pause(u, id, "p", false, Op));
            if (random.Next(6) == 0) await Run(u => Operators.Cancel(u, id, new CancelCommand(null, null), Op));
            if (random.Next(8) == 0) await Run(u => { Stages.Move(u, u.Tasks.Find(id)!, "idle", afterSuccess: false); return true; });
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
