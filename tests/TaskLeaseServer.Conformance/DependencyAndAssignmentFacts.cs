using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>§12 items 52-60: dependency edges and assignments (CONTRACT §8.12-§8.16).</summary>
public sealed class DependencyAndAssignmentFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    private Task<ApiResponse> AddDependency(string taskId, string upstream) =>
        Api.PostAsync($"/tasks/{taskId}/dependencies", $$"""{"depends_on_task_id":"{{upstream}}"}""");

    [Fact]
    public async Task Item052_AddDependencyAnswers201Created()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var upstream = await Api.CreateTaskAsync(pipeline.Id);
        var downstream = await Api.CreateTaskAsync(pipeline.Id);

        var response = await AddDependency(downstream, upstream);
        Expect.Status(response, 201);
        Expect.SameJson(response.Body, """{"status":"created"}""");

        var deps = await Api.GetAsync($"/tasks/{downstream}/dependencies");
        Expect.SameJson(deps.Body, $$"""[{"depends_on_task_id":"{{upstream}}","resolved":false}]""");
    }

    [Fact]
    public async Task Item053_SelfDependencyAnswers400InvalidDependencyEvenForUnknownTask()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var task = await Api.CreateTaskAsync(pipeline.Id);
        Expect.Error(await AddDependency(task, task), 400, "invalid_dependency");
        var ghost = Guid.NewGuid().ToString();
        Expect.Error(await AddDependency(ghost, ghost), 400, "invalid_dependency");
        (await Api.GetAsync($"/tasks/{task}/dependencies")).Json.GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Item054_UnknownTaskIs404TaskNotFoundAndUnknownUpstreamIs404DependencyTaskNotFound()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var task = await Api.CreateTaskAsync(pipeline.Id);
        Expect.Error(await AddDependency(Guid.NewGuid().ToString(), task), 404, "task_not_found");
        Expect.Error(await AddDependency(task, Guid.NewGuid().ToString()), 404, "dependency_task_not_found");
        Expect.Error(await AddDependency(Guid.NewGuid().ToString(), Guid.NewGuid().ToString()), 404, "task_not_found");
        Expect.Error(await Api.PostAsync($"/tasks/{task}/dependencies", "{}"), 400, "invalid_json");
    }

    [Fact]
    public async Task Item055_ExistingEdgeAnswers409DuplicateDependency()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var upstream = await Api.CreateTaskAsync(pipeline.Id);
        var downstream = await Api.CreateTaskAsync(pipeline.Id, new { dependencies = new[] { upstream } });
        Expect.Error(await AddDependency(downstream, upstream), 409, "duplicate_dependency");

        var other = await Api.CreateTaskAsync(pipeline.Id);
        Expect.Status(await AddDependency(other, upstream), 201);
        Expect.Error(await AddDependency(other, upstream), 409, "duplicate_dependency");
        (await Api.GetAsync($"/tasks/{other}/dependencies")).Json.GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task Item056_DependencyResolvesWhenUpstreamReachesTerminalStage()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var upstream = await Api.CreateTaskAsync(pipeline.Id, new { priority = 100 });
        var other = await Api.CreateTaskAsync(pipeline.Id);
        var downstream = await Api.CreateTaskAsync(pipeline.Id, new { dependencies = new[] { upstream, other } });

        async Task<List<(string? Id, bool Resolved)>> Deps() =>
            (await Api.GetAsync($"/tasks/{downstream}/dependencies")).Json.EnumerateArray()
                .Select(d => (d.Str("depends_on_task_id"), d.GetProperty("resolved").GetBoolean())).ToList();

        (await Deps()).Should().Equal((upstream, false), (other, false));

        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);
        lease.TaskId.Should().Be(upstream);
        Expect.Status(await Api.TransitionAsync(lease, "submit"), 200);
        (await Deps()).Should().Equal([(upstream, false), (other, false)], "review is not terminal");

        Expect.Status(await Api.TransitionAsync(await Api.ClaimOneAsync(pipeline.ReviewRole), "approve"), 200);
        (await Deps()).Should().Equal((upstream, true), (other, false));

        var embedded = (await Api.GetTaskAsync(downstream)).GetProperty("dependencies").EnumerateArray().ToList();
        embedded.Select(d => d.GetProperty("resolved").GetBoolean()).Should().Equal(true, false);
    }

    [Fact]
    public async Task Item057_UnknownTaskDependencyAndAssignmentListsAre200EmptyArrays()
    {
        var deps = await Api.GetAsync($"/tasks/{Guid.NewGuid()}/dependencies");
        Expect.Status(deps, 200);
        deps.Body.Trim().Should().Be("[]");
        var assignments = await Api.GetAsync($"/tasks/{Guid.NewGuid()}/assignments");
        Expect.Status(assignments, 200);
        assignments.Body.Trim().Should().Be("[]");
    }

    [Fact]
    public async Task Item058_AssignAnswers201AssignedAndUnknownTaskIs404TaskNotFound()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var task = await Api.CreateTaskAsync(pipeline.Id);
        var response = await Api.PostAsync($"/tasks/{task}/assignments", """{"agent_id":"agent-a","assigned_by":"lead"}""");
        Expect.Status(response, 201);
        Expect.SameJson(response.Body, """{"status":"assigned"}""");

        Expect.Error(await Api.PostAsync($"/tasks/{Guid.NewGuid()}/assignments", """{"agent_id":"a"}"""), 404, "task_not_found");
        Expect.Error(await Api.PostAsync($"/tasks/{task}/assignments", """{"assigned_by":"x"}"""), 400, "invalid_json");

        var list = await Api.GetAsync($"/tasks/{task}/assignments");
        var row = list.Json.EnumerateArray().Should().ContainSingle().Subject;
        Expect.HasProperties(row, "task_id", "agent_id", "assigned_by", "active", "created_at_ms", "updated_at_ms");
        row.Str("task_id").Should().Be(task);
        row.Str("agent_id").Should().Be("agent-a");
        row.Str("assigned_by").Should().Be("lead");
        row.GetProperty("active").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Item059_AssigningBAfterALeavesOneActiveRowAndKeepsAInactive()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var task = await Api.CreateTaskAsync(pipeline.Id);
        Expect.Status(await Api.PostAsync($"/tasks/{task}/assignments", """{"agent_id":"agent-a","assigned_by":"lead"}"""), 201);
        var aCreated = (await Api.GetAsync($"/tasks/{task}/assignments")).Json[0].Int("created_at_ms");
        Expect.Status(await Api.PostAsync($"/tasks/{task}/assignments", """{"agent_id":"agent-b","assigned_by":"lead"}"""), 201);

        var rows = (await Api.GetAsync($"/tasks/{task}/assignments")).Json.EnumerateArray().ToList();
        rows.Should().HaveCount(2);
        rows.Select(r => (r.Str("agent_id"), r.GetProperty("active").GetBoolean())).Should().Equal(("agent-a", false), ("agent-b", true));

        Expect.Status(await Api.PostAsync($"/tasks/{task}/assignments", """{"agent_id":"agent-a"}"""), 201);
        rows = (await Api.GetAsync($"/tasks/{task}/assignments")).Json.EnumerateArray().ToList();
        rows.Should().HaveCount(2, "re-assigning A reactivates its row");
        rows.Count(r => r.GetProperty("active").GetBoolean()).Should().Be(1);
        var a = rows.Single(r => r.Str("agent_id") == "agent-a");
        a.GetProperty("active").GetBoolean().Should().BeTrue();
        a.Int("created_at_ms").Should().Be(aCreated, "re-activation keeps created_at_ms");
        a.GetProperty("assigned_by").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null, "re-activation overwrites assigned_by, also with null");
    }

    [Fact]
    public async Task Item060_UnassignAnswers200ThenASecondDeleteAnswers404()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var task = await Api.CreateTaskAsync(pipeline.Id, new { assigned_agent_id = "agent-a" });

        var first = await Api.DeleteAsync($"/tasks/{task}/assignments/agent-a");
        Expect.Status(first, 200);
        Expect.SameJson(first.Body, """{"status":"unassigned"}""");
        Expect.Error(await Api.DeleteAsync($"/tasks/{task}/assignments/agent-a"), 404, "not_found");
        Expect.Error(await Api.DeleteAsync($"/tasks/{task}/assignments/agent-z"), 404, "not_found");
        Expect.Error(await Api.DeleteAsync($"/tasks/{Guid.NewGuid()}/assignments/agent-a"), 404, "not_found");

        var row = (await Api.GetAsync($"/tasks/{task}/assignments")).Json.EnumerateArray().Should().ContainSingle().Subject;
        row.GetProperty("active").GetBoolean().Should().BeFalse("the row is kept as history");
        (await Api.ClaimOneAsync(pipeline.WorkRole, agent: "agent-b")).TaskId.Should().Be(task, "an unassigned task is claimable by anyone");
    }

    /// <summary>§7.7 rule 5 / W19: an upstream task dead-lettered into a terminal stage counts as resolved.</summary>
    [Fact]
    public async Task UpstreamDeadLetteredIntoATerminalStageResolvesButOneStuckInPlaceDoesNot()
    {
        var upstreamPipeline = await Api.CreatePipelineAsync();
        var pipeline = await Api.CreatePipelineAsync();
        var terminalDeadLetter = await Api.CreateTaskAsync(upstreamPipeline.Id,
            new { priority = 10, retry_policy = new { max_attempts = 1, dead_letter_stage = "dead" } });
        var stuckDeadLetter = await Api.CreateTaskAsync(upstreamPipeline.Id, new { retry_policy = new { max_attempts = 1 } });
        var released = await Api.CreateTaskAsync(pipeline.Id, new { dependencies = new[] { terminalDeadLetter } });
        var blocked = await Api.CreateTaskAsync(pipeline.Id, new { dependencies = new[] { stuckDeadLetter } });

        Expect.Status(await Api.FailAsync(await Api.ClaimOneAsync(upstreamPipeline.WorkRole)), 200);
        Expect.Status(await Api.FailAsync(await Api.ClaimOneAsync(upstreamPipeline.WorkRole)), 200);

        (await Api.GetAsync($"/tasks/{released}/dependencies")).Json[0].GetProperty("resolved").GetBoolean().Should().BeTrue();
        (await Api.GetAsync($"/tasks/{blocked}/dependencies")).Json[0].GetProperty("resolved").GetBoolean().Should().BeFalse();
        (await Api.ClaimOneAsync(pipeline.WorkRole)).TaskId.Should().Be(released);
        (await Api.ClaimAsync(pipeline.WorkRole)).Should().BeNull("the other upstream task is dead-lettered in a non-terminal stage");
    }

    /// <summary>Product decision (W19 FIX): an edge that would close a cycle answers 400 invalid_dependency.</summary>
    [Fact]
    public async Task DependencyCyclesAreRejectedWithInvalidDependency()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var a = await Api.CreateTaskAsync(pipeline.Id);
        var b = await Api.CreateTaskAsync(pipeline.Id, new { dependencies = new[] { a } });
        var c = await Api.CreateTaskAsync(pipeline.Id);
        Expect.Status(await AddDependency(c, b), 201);

        Expect.Error(await AddDependency(a, b), 400, "invalid_dependency");
        Expect.Error(await AddDependency(a, c), 400, "invalid_dependency");
        (await Api.GetAsync($"/tasks/{a}/dependencies")).Json.GetArrayLength().Should().Be(0, "a rejected edge is not stored");

        var d = await Api.CreateTaskAsync(pipeline.Id);
        Expect.Status(await AddDependency(d, a), 201);
        Expect.Status(await AddDependency(c, d), 201); // a diamond is not a cycle
        (await Api.GetTaskAsync(c)).GetProperty("dependencies").GetArrayLength().Should().Be(2);
    }
}
