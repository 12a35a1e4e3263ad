using System.Text.Json;
using FluentAssertions;
using TaskLeaseServer.Domain;
using Xunit;

namespace TaskLeaseServer.Tests.Domain;

public sealed class TransitionRulesFacts
{
    private const string TaskId = "task-1";

    // Two edges leave "todo" on "submit": the first in definition order is the one taken.
    private static readonly PipelineDefinition Definition = PipelineDefinition.Parse(JsonDocument.Parse("""
        {"initial": "todo",
         "states": {"todo": {"agent_role": "worker"}, "review": {"agent_role": "reviewer"}, "done": {"terminal": true}},
         "transitions": [
           {"from": "todo", "to": "review", "trigger": "submit", "instructions": "check it"},
           {"from": "todo", "to": "done", "trigger": "submit"},
           {"from": "review", "to": "done", "trigger": "approve"}]}
        """).RootElement);

    private static TransitionDef Edge(string runStatus = "running", string stage = "todo", long version = 3,
        string trigger = "submit", string? expectedStage = null, long? expectedVersion = null) =>
        TransitionRules.Edge(runStatus, stage, version, TaskId, Definition, trigger, expectedStage, expectedVersion);

    private static DomainError Refusal(Func<TransitionDef> edge) =>
        edge.Should().Throw<DomainError>().Which;

    [Fact]
    public void ARunThatIsNotRunning_IsRefusedBeforeAnythingElse()
    {
        var error = Refusal(() => Edge(runStatus: "completed", expectedStage: "review", expectedVersion: 9, trigger: "nope"));

        error.Fault.Should().Be(Fault.RunNotRunning);
        error.Message.Should().Contain("completed");
    }

    [Fact]
    public void AnExpectedStageMismatch_ComesBeforeTheVersionAndTheEdge()
    {
        var error = Refusal(() => Edge(expectedStage: "review", expectedVersion: 9, trigger: "nope"));

        error.Fault.Should().Be(Fault.ExpectedStageMismatch);
        error.Message.Should().Contain("\"todo\"").And.Contain("\"review\"").And.Contain("re-read");
    }

    [Fact]
    public void AnExpectedVersionMismatch_ComesBeforeTheEdge()
    {
        var error = Refusal(() => Edge(expectedStage: "todo", expectedVersion: 9, trigger: "nope"));

        error.Fault.Should().Be(Fault.TaskVersionMismatch);
        error.Message.Should().Contain("version 3, not 9").And.Contain("re-read");
    }

    [Fact]
    public void AMissingEdge_IsAnInvalidTransition_PointingAtTheAvailableOnes()
    {
        var error = Refusal(() => Edge(trigger: "approve"));

        error.Fault.Should().Be(Fault.InvalidTransition);
        error.Message.Should().Contain("\"todo\"").And.Contain("\"approve\"").And.Contain($"GET /tasks/{TaskId}");
    }

    [Fact]
    public void TheFirstMatchingEdgeInDefinitionOrder_Wins()
    {
        var edge = Edge();

        edge.To.Should().Be("review");
        edge.Instructions.Should().Be("check it");
    }

    [Fact]
    public void MatchingExpectations_Pass()
    {
        var edge = Edge(stage: "review", trigger: "approve", expectedStage: "review", expectedVersion: 3);

        edge.To.Should().Be("done");
    }

    [Fact]
    public void TheVersionMismatchError_NamesBothVersions()
    {
        var error = TransitionRules.VersionMismatch(actual: 5, expected: 4);

        error.Fault.Should().Be(Fault.TaskVersionMismatch);
        error.Message.Should().Contain("version 5, not 4");
    }
}
