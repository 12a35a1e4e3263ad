using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Postgres;

/// <summary>Role pauses and per-stage limits hold across nodes (EXTENSIONS §9, §12), with real concurrent connections.</summary>
public sealed class OperatorNodeFacts : TwoNodes
{
    private const string LimitedJson = """
        {"initial": "todo",
         "states": {"todo": {"agent_role": "worker", "max_concurrent": 3}, "done": {"terminal": true}},
         "transitions": [{"from": "todo", "to": "done", "trigger": "finish"}]}
        """;

    [Fact]
    public async Task APauseCommittedOnOneNode_StopsClaimsOnTheOther_AndAResumeThereLetsThemGo()
    {
        var pid = await Pipeline(A);
        await A.Writer.Run(u => Creation.Tasks(u, [New(pid)]));
        await A.Writer.Run(u => { RoleControls.Pause(u, "worker", null, drain: false, "oncall"); return 0; });
        (await Claim(B, "worker", "b")).Should().BeNull();
        B.Reads.Roles(Clock.GetUtcNow().ToUnixTimeMilliseconds()).Single(r => r.Role == "worker").Paused.Should().BeTrue();

        await B.Writer.Run(u => { RoleControls.Resume(u, "worker", "oncall"); return 0; });
        (await Claim(A, "worker", "a")).Should().NotBeNull();
    }

    [Fact]
    public async Task ThirtyTwoAgentsOnTwoNodes_RacingForAStageWithMaxConcurrent3_NeverHoldMoreThanThree()
    {
        var definition = PipelineDefinition.Parse(JsonDocument.Parse(LimitedJson).RootElement);
        var pid = await A.Writer.Run(u => Creation.Pipeline(u, "limited", LimitedJson, definition));
        await A.Writer.Run(u => Creation.Tasks(u, Enumerable.Range(0, 100).Select(_ => New(pid)).ToList()));
        var now = Clock.GetUtcNow().ToUnixTimeMilliseconds();

        for (var round = 0; round < 5; round++)
        {
            var claims = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Factory.StartNew(() =>
                Claim(i % 2 == 0 ? A : B, "worker", $"agent-{round}-{i}"), TaskCreationOptions.LongRunning).Unwrap()));
            var live = A.Reads.ActiveLeases("worker", now);
            live.Should().Be(3, "round {0}: the limit holds and is reached", round);
            // Two finish, so the next round races for two places beside the one still held.
            var held = claims.Where(c => c is not null).Take(2).ToList();
            held.Should().NotBeEmpty();
            foreach (var claim in held)
            {
                await B.Writer.Run(u =>
                {
                    var hash = LeaseToken.HashOf(claim!.LeaseToken)!;
                    var (lease, command) = LeaseHolder.Authorize(u, claim.Run.Id, hash, () => new TransitionCommand("finish", null, null, null, null));
                    return LeaseHolder.Transition(u, lease, hash, command);
                });
            }
        }
    }
}
