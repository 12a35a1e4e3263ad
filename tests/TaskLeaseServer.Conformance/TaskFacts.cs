using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>§12 items 31-51: tasks, bulk creation, listing, details (CONTRACT §5, §7.3, §8.7-§8.11).</summary>
public sealed class TaskFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    [Fact]
    public async Task Item031_CreateTaskStartsInInitialStageWithVersion1AndDefaults()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var before = Clock.NowMs();
        var response = await Api.PostAsync("/tasks", $$"""{"pipeline_id":"{{pipeline.Id}}","title":"T","description":""}""");
        var after = Clock.NowMs();

        Expect.Status(response, 201);
        var id = response.Json.Str("id");
        Expect.UuidV4(id, "task id");
        var task = await Api.GetTaskAsync(id!);
        Expect.TaskShape(task);
        task.Str("id").Should().Be(id);
        task.Str("pipeline_id").Should().Be(pipeline.Id);
        task.Str("stage").Should().Be("work");
        task.Str("title").Should().Be("T");
        task.Str("description").Should().Be("");
        task.Int("priority").Should().Be(0);
        task.GetProperty("metadata").GetRawText().Should().Be("{}");
        task.Int("task_version").Should().Be(1);
        task.Int("next_eligible_at_ms").Should().Be(0);
        task.GetProperty("dead_letter_reason").ValueKind.Should().Be(JsonValueKind.Null);
        task.Int("created_at_ms").Should().BeInRange(before, after);
        task.Int("updated_at_ms").Should().Be(task.Int("created_at_ms"));
    }

    [Fact]
    public async Task Item032_UnknownPipelineAnswers404PipelineNotFound()
    {
        Expect.Error(await Api.PostAsync("/tasks", Flow.TaskBody(Guid.NewGuid().ToString()).ToJsonString()), 404, "pipeline_not_found");
        Expect.Error(await Api.PostAsync("/tasks", Flow.TaskBody("").ToJsonString()), 404, "pipeline_not_found");
    }

    [Fact]
    public async Task Item033_MissingTitleOrDescriptionAnswers400InvalidJson()
    {
        var pipeline = await Api.CreatePipelineAsync();
        Expect.Error(await Api.PostAsync("/tasks", $$"""{"pipeline_id":"{{pipeline.Id}}","description":"d"}"""), 400, "invalid_json");
        Expect.Error(await Api.PostAsync("/tasks", $$"""{"pipeline_id":"{{pipeline.Id}}","title":"t"}"""), 400, "invalid_json");
        Expect.Error(await Api.PostAsync("/tasks", $$"""{"pipeline_id":"{{pipeline.Id}}","title":null,"description":"d"}"""), 400, "invalid_json");
        Expect.Error(await Api.PostAsync("/tasks", """{"title":"t","description":"d"}"""), 400, "invalid_json");
        (await Api.AllTasksAsync(pipeline.Id)).Should().BeEmpty();
    }

    [Fact]
    public async Task Item034_UnknownDependencyAnswers404TaskNotFoundAndCreatesNothing()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var upstream = await Api.CreateTaskAsync(pipeline.Id);
        var body = Flow.TaskBody(pipeline.Id, new { dependencies = new[] { upstream, Guid.NewGuid().ToString() } });
        Expect.Error(await Api.PostAsync("/tasks", body.ToJsonString()), 404, "task_not_found");
        (await Api.AllTasksAsync(pipeline.Id)).Select(t => t.Str("id")).Should().Equal(upstream);
    }

    [Fact]
    public async Task Item035_SameDependencyTwiceAnswers409DuplicateDependencyAndCreatesNothing()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var upstream = await Api.CreateTaskAsync(pipeline.Id);
        var body = Flow.TaskBody(pipeline.Id, new { dependencies = new[] { upstream, upstream } });
        Expect.Error(await Api.PostAsync("/tasks", body.ToJsonString()), 409, "duplicate_dependency");
        (await Api.AllTasksAsync(pipeline.Id)).Select(t => t.Str("id")).Should().Equal(upstream);
    }

    [Fact]
    public async Task Item036_RetryPolicyIsEchoedOnTheTaskWithDefaults()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var withPolicy = await Api.GetTaskAsync(await Api.CreateTaskAsync(pipeline.Id,
            new { retry_policy = new { max_attempts = 3, retry_delay_ms = 250, dead_letter_stage = "dead" } }));
        withPolicy.Int("max_attempts").Should().Be(3);
        withPolicy.Int("retry_delay_ms").Should().Be(250);
        withPolicy.Str("dead_letter_stage").Should().Be("dead");

        var partial = await Api.GetTaskAsync(await Api.CreateTaskAsync(pipeline.Id, new { retry_policy = new { retry_delay_ms = 10 } }));
        partial.GetProperty("max_attempts").ValueKind.Should().Be(JsonValueKind.Null);
        partial.Int("retry_delay_ms").Should().Be(10);
        partial.GetProperty("dead_letter_stage").ValueKind.Should().Be(JsonValueKind.Null);

        var defaults = await Api.GetTaskAsync(await Api.CreateTaskAsync(pipeline.Id));
        defaults.GetProperty("max_attempts").ValueKind.Should().Be(JsonValueKind.Null);
        defaults.Int("retry_delay_ms").Should().Be(0);
        defaults.GetProperty("dead_letter_stage").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Item037_BulkCreateAnswers201WithIdsInInputOrder()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var other = await Api.CreatePipelineAsync();
        var titles = Enumerable.Range(0, 5).Select(i => $"bulk-{i}-{Guid.NewGuid():N}").ToList();
        var items = new JsonArray(titles.Select((t, i) => (JsonNode)new JsonObject
        {
            ["pipeline_id"] = i == 3 ? other.Id : pipeline.Id,
            ["title"] = t,
            ["description"] = "d",
            ["priority"] = i,
        }).ToArray());
        var response = await Api.PostAsync("/tasks/bulk", new JsonObject { ["tasks"] = items }.ToJsonString());

        Expect.Status(response, 201);
        var ids = response.Json.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToList();
        ids.Should().HaveCount(5).And.OnlyHaveUniqueItems();
        for (var i = 0; i < ids.Count; i++)
        {
            Expect.UuidV4(ids[i], "bulk id");
            var task = await Api.GetTaskAsync(ids[i]);
            task.Str("title").Should().Be(titles[i]);
            task.Int("priority").Should().Be(i);
            task.Str("pipeline_id").Should().Be(i == 3 ? other.Id : pipeline.Id);
        }
    }

    [Fact]
    public async Task Item038_BulkWithEmptyTasksAnswers400InvalidRequest()
    {
        Expect.Error(await Api.PostAsync("/tasks/bulk", """{"tasks":[]}"""), 400, "invalid_request");
        Expect.Error(await Api.PostAsync("/tasks/bulk", """{}"""), 400, "invalid_json");
    }

    [Fact]
    public async Task Item039_BulkWithOneUnknownPipelineAnswers404AndCreatesNothing()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var good = Flow.TaskBody(pipeline.Id);
        var bad = Flow.TaskBody(Guid.NewGuid().ToString());
        var response = await Api.PostAsync("/tasks/bulk", new JsonObject { ["tasks"] = new JsonArray(good.DeepClone(), good.DeepClone(), bad) }.ToJsonString());
        Expect.Error(response, 404, "pipeline_not_found");
        (await Api.AllTasksAsync(pipeline.Id)).Should().BeEmpty("a bulk request is all or nothing");

        var badDependency = Flow.TaskBody(pipeline.Id, new { dependencies = new[] { Guid.NewGuid().ToString() } });
        Expect.Error(await Api.PostAsync("/tasks/bulk", new JsonObject { ["tasks"] = new JsonArray(good.DeepClone(), badDependency) }.ToJsonString()),
            404, "task_not_found");
        (await Api.AllTasksAsync(pipeline.Id)).Should().BeEmpty("a bulk request is all or nothing");
    }

    [Fact]
    public async Task Item040_ListTasksDefaultsTo50OrderedByCreatedAtThenId()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await BulkCreateAsync(pipeline.Id, 30);
        await BulkCreateAsync(pipeline.Id, 25);

        var response = await Api.GetAsync("/tasks?pipeline_id=" + pipeline.Id);
        Expect.Status(response, 200);
        Expect.HasProperties(response.Json, "items", "next_cursor");
        var items = response.Json.GetProperty("items").EnumerateArray().ToList();
        items.Should().HaveCount(50);
        foreach (var item in items) Expect.TaskShape(item);
        AssertSortedByCreatedThenId(items);
        response.Json.GetProperty("next_cursor").ValueKind.Should().Be(JsonValueKind.String);
    }

    [Fact]
    public async Task Item041_LimitOutOfRangeIsInvalidLimitAndNonNumericLimitIsTheDefault()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await BulkCreateAsync(pipeline.Id, 52);
        foreach (var limit in new[] { "0", "1001", "-1", "99999999999" })
        {
            Expect.Error(await Api.GetAsync($"/tasks?pipeline_id={pipeline.Id}&limit={limit}"), 400, "invalid_limit");
        }
        foreach (var limit in new[] { "abc", "", "5x" })
        {
            var response = await Api.GetAsync($"/tasks?pipeline_id={pipeline.Id}&limit={limit}");
            Expect.Status(response, 200);
            response.Json.GetProperty("items").GetArrayLength().Should().Be(50, "limit={0} falls back to the default", limit);
        }
        (await Api.GetAsync($"/tasks?pipeline_id={pipeline.Id}&limit=1000")).Json.GetProperty("items").GetArrayLength().Should().Be(52);
        (await Api.GetAsync($"/tasks?pipeline_id={pipeline.Id}&limit=1")).Json.GetProperty("items").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task Item042_MalformedCursorAnswers400InvalidCursor()
    {
        foreach (var cursor in new[] { "garbage", "12345", "abc:def", ":x", "5:", "1.5:x", "%3Ax" })
        {
            Expect.Error(await Api.GetAsync("/tasks?cursor=" + cursor), 400, "invalid_cursor");
        }
        Expect.Error(await Api.GetAsync("/tasks?limit=0&cursor=garbage"), 400, "invalid_limit");
    }

    [Fact]
    public async Task Item043_NextCursorIsNullOnLastPageAndNamesTheLastReturnedItemOtherwise()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await BulkCreateAsync(pipeline.Id, 3);

        var first = await Api.GetAsync($"/tasks?pipeline_id={pipeline.Id}&limit=2");
        Expect.Status(first, 200);
        var page1 = first.Json.GetProperty("items").EnumerateArray().ToList();
        page1.Should().HaveCount(2);
        var cursor = first.Json.GetProperty("next_cursor");
        cursor.ValueKind.Should().Be(JsonValueKind.String);
        cursor.GetString().Should().Be($"{page1[1].Int("created_at_ms")}:{page1[1].Str("id")}",
            "the cursor encodes the last returned item (W1 fix)");

        var second = await Api.GetAsync($"/tasks?pipeline_id={pipeline.Id}&limit=2&cursor={cursor.GetString()}");
        Expect.Status(second, 200);
        second.Json.GetProperty("items").GetArrayLength().Should().Be(1);
        second.Json.GetProperty("next_cursor").ValueKind.Should().Be(JsonValueKind.Null);

        var exact = await Api.GetAsync($"/tasks?pipeline_id={pipeline.Id}&limit=3");
        exact.Json.GetProperty("items").GetArrayLength().Should().Be(3);
        exact.Json.GetProperty("next_cursor").ValueKind.Should().Be(JsonValueKind.Null, "no item exists after a full last page");

        var none = await Api.GetAsync($"/tasks?pipeline_id={Guid.NewGuid()}");
        none.Json.GetProperty("items").GetArrayLength().Should().Be(0);
        none.Json.GetProperty("next_cursor").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Item044_WalkingAllPagesWithLimit2ReturnsEveryTaskExactlyOnce()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var expected = new List<string>();
        expected.AddRange(await BulkCreateAsync(pipeline.Id, 4));
        expected.Add(await Api.CreateTaskAsync(pipeline.Id));
        expected.AddRange(await BulkCreateAsync(pipeline.Id, 3));
        expected.Add(await Api.CreateTaskAsync(pipeline.Id));

        var seen = await Api.AllTasksAsync(pipeline.Id, limit: 2);
        seen.Select(t => t.Str("id")).Should().BeEquivalentTo(expected, "no task is skipped or repeated at page boundaries");
        seen.Should().HaveCount(expected.Count);
        AssertSortedByCreatedThenId(seen);
    }

    [Fact]
    public async Task Item045_StageAndPipelineFiltersCombine()
    {
        var a = await Api.CreatePipelineAsync();
        var b = await Api.CreatePipelineAsync();
        var aWork = await Api.CreateTaskAsync(a.Id);
        var aReview = await Api.CreateTaskAsync(a.Id, new { priority = 10 });
        var bWork = await Api.CreateTaskAsync(b.Id);
        var lease = await Api.ClaimOneAsync(a.WorkRole);
        lease.TaskId.Should().Be(aReview);
        Expect.Status(await Api.TransitionAsync(lease, "submit"), 200);

        async Task<List<string?>> Ids(string query) =>
            (await Api.GetAsync("/tasks?" + query)).Json.GetProperty("items").EnumerateArray().Select(t => t.Str("id")).ToList();

        (await Ids($"stage=work&pipeline_id={a.Id}")).Should().Equal(aWork);
        (await Ids($"pipeline_id={a.Id}&stage=review")).Should().Equal(aReview);
        (await Ids($"stage=work&pipeline_id={b.Id}")).Should().Equal(bWork);
        (await Ids($"stage=review&pipeline_id={b.Id}")).Should().BeEmpty();
        (await Ids($"pipeline_id={a.Id}")).Should().BeEquivalentTo([aWork, aReview]);
    }

    [Fact]
    public async Task Item046_NeverClaimedTaskDetailsOmitLatestRunAndHaveArrays()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var task = await Api.GetTaskAsync(await Api.CreateTaskAsync(pipeline.Id));
        Expect.TaskShape(task);
        Expect.LacksProperty(task, "latest_run");
        Expect.Kind(task, "dependencies", JsonValueKind.Array);
        Expect.Kind(task, "assignments", JsonValueKind.Array);
        Expect.Kind(task, "available_transitions", JsonValueKind.Array);
        task.GetProperty("dependencies").GetArrayLength().Should().Be(0);
        task.GetProperty("assignments").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Item047_AfterClaimDetailsShowRunningLatestRunWithHighestAttempt()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id);
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole, agent: "agent-47");

        var run = (await Api.GetTaskAsync(id)).GetProperty("latest_run");
        Expect.RunShape(run);
        run.Str("id").Should().Be(lease.RunId);
        run.Str("task_id").Should().Be(id);
        run.Str("status").Should().Be("running");
        run.Int("attempt").Should().Be(1);
        run.Str("agent_id").Should().Be("agent-47");
        run.Str("agent_role").Should().Be(pipeline.WorkRole);
        run.GetProperty("ended_at_ms").ValueKind.Should().Be(JsonValueKind.Null);

        Expect.Status(await Api.FailAsync(lease), 200);
        var second = await Api.ClaimOneAsync(pipeline.WorkRole);
        var latest = (await Api.GetTaskAsync(id)).GetProperty("latest_run");
        latest.Str("id").Should().Be(second.RunId);
        latest.Int("attempt").Should().Be(2);
        latest.Str("status").Should().Be("running");
    }

    [Fact]
    public async Task Item048_AvailableTransitionsListCurrentStageEdgesInDefinitionOrder()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id);

        Expect.SameJson((await Api.GetTaskAsync(id)).GetProperty("available_transitions").GetRawText(),
            """[{"trigger":"submit","to":"review","required_gates":[]},{"trigger":"finish","to":"done","required_gates":[]}]""");

        Expect.Status(await Api.TransitionAsync(await Api.ClaimOneAsync(pipeline.WorkRole), "submit"), 200);
        Expect.SameJson((await Api.GetTaskAsync(id)).GetProperty("available_transitions").GetRawText(),
            """[{"trigger":"approve","to":"done","required_gates":["tests_pass","lint"]},{"trigger":"reject","to":"work","required_gates":[]}]""");

        Expect.Status(await Api.TransitionAsync(await Api.ClaimOneAsync(pipeline.ReviewRole), "approve"), 200);
        (await Api.GetTaskAsync(id)).GetProperty("available_transitions").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Item049_EmbeddedAssignmentsHaveNoTaskId()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id, new { assigned_agent_id = "agent-a", assigned_by = "lead" });
        Expect.Status(await Api.PostAsync($"/tasks/{id}/assignments", """{"agent_id":"agent-b"}"""), 201);

        var assignments = (await Api.GetTaskAsync(id)).GetProperty("assignments").EnumerateArray().ToList();
        assignments.Should().HaveCount(2);
        foreach (var a in assignments)
        {
            Expect.HasProperties(a, "agent_id", "assigned_by", "active", "created_at_ms", "updated_at_ms");
            Expect.LacksProperty(a, "task_id");
        }
        assignments[0].Str("agent_id").Should().Be("agent-a");
        assignments[0].Str("assigned_by").Should().Be("lead");
        assignments[0].GetProperty("active").GetBoolean().Should().BeFalse();
        assignments[1].Str("agent_id").Should().Be("agent-b");
        assignments[1].GetProperty("assigned_by").ValueKind.Should().Be(JsonValueKind.Null);
        assignments[1].GetProperty("active").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Item050_UnknownTaskAnswers404NotFound()
    {
        Expect.Error(await Api.GetAsync("/tasks/" + Guid.NewGuid()), 404, "not_found");
        Expect.Error(await Api.GetAsync("/tasks/x"), 404, "not_found");
    }

    /// <summary>§1.4 + §6: path segments are decoded to bytes and ids are not format-checked, so an id that is not UTF-8 matches nothing.</summary>
    [Fact]
    public async Task UnknownIdThatIsNotUtf8IsNotFound()
    {
        Expect.Error(await RawHttp.SendAsync(fixture.Port, "GET", "/tasks/%C3%28%FF"), 404, "not_found");
        Expect.Error(await RawHttp.SendAsync(fixture.Port, "GET", "/pipelines/%FF"), 404, "not_found");
        var body = await RawHttp.SendAsync(fixture.Port, "GET", "/runs/%FE/events");
        Expect.Status(body, 200);
        Expect.SameJson(body.Body, """{"items":[],"next_cursor":null}""");
    }

    [Fact]
    public async Task Item051_RunStateAnswers404EvenForAClaimedTask()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id);
        Expect.Error(await Api.GetAsync($"/tasks/{id}/run-state"), 404, "not_found");
        await Api.ClaimOneAsync(pipeline.WorkRole);
        Expect.Error(await Api.GetAsync($"/tasks/{id}/run-state"), 404, "not_found");
        Expect.Error(await Api.GetAsync($"/tasks/{Guid.NewGuid()}/run-state"), 404, "not_found");
    }

    /// <summary>Product decision (W21 FIX): every query value is percent-decoded (%XX and +).</summary>
    [Fact]
    public async Task QueryValuesArePercentDecoded()
    {
        var role = Flow.Unique("role");
        var pipelineId = await Api.CreatePipelineAsync(Flow.Unique("p"), Flow.SingleStageDefinition("in review", role));
        var ids = await BulkCreateAsync(pipelineId, 3);
        var encodedPipeline = string.Concat(Encoding.ASCII.GetBytes(pipelineId).Select(b => $"%{b:X2}"));

        foreach (var stage in new[] { "in%20review", "in+review", "in%20r%65view" })
        {
            // RawHttp: System.Uri would unescape %65 and the hex digits of the id before sending.
            var response = await RawHttp.SendAsync(fixture.Port, "GET", $"/tasks?stage={stage}&pipeline_id={encodedPipeline}");
            Expect.Status(response, 200);
            response.Json.GetProperty("items").GetArrayLength().Should().Be(3, "stage={0} decodes to `in review`", stage);
        }

        var first = await Api.GetAsync($"/tasks?pipeline_id={pipelineId}&limit=1");
        var cursor = first.Json.GetProperty("next_cursor").GetString()!;
        var next = await RawHttp.SendAsync(fixture.Port, "GET", $"/tasks?pipeline_id={pipelineId}&limit=5&cursor={Uri.EscapeDataString(cursor)}");
        Expect.Status(next, 200);
        next.Json.GetProperty("items").EnumerateArray().Select(t => t.Str("id"))
            .Should().BeEquivalentTo(ids.Except([first.Json.GetProperty("items")[0].Str("id")!]));
    }

    /// <summary>§1.4: the first occurrence of a query name wins.</summary>
    [Fact]
    public async Task QueryFirstOccurrenceOfANameWins()
    {
        var a = await Api.CreatePipelineAsync();
        var b = await Api.CreatePipelineAsync();
        var inA = await BulkCreateAsync(a.Id, 3);
        var inB = await Api.CreateTaskAsync(b.Id);

        (await TaskIdsAsync($"pipeline_id={a.Id}&pipeline_id={b.Id}")).Should().BeEquivalentTo(inA);
        (await TaskIdsAsync($"pipeline_id={b.Id}&limit=2&limit=0")).Should().Equal(inB);
        (await TaskIdsAsync($"pipeline_id={a.Id}&limit=2&limit=0")).Should().HaveCount(2);
    }

    /// <summary>§1.4: a query pair without '=' is ignored (it is not a filter on the empty string).</summary>
    [Fact]
    public async Task QueryPairWithoutEqualsSignIsIgnored()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id);
        (await TaskIdsAsync($"stage&pipeline_id={pipeline.Id}")).Should().Equal([id], "`stage` without '=' is ignored");
        (await TaskIdsAsync($"pipeline_id={pipeline.Id}&cursor")).Should().Equal([id], "`cursor` without '=' is ignored");
    }

    /// <summary>§1.4: query names are compared literally, not percent-decoded (only values are decoded).</summary>
    [Fact]
    public async Task QueryParameterNamesAreComparedLiterally()
    {
        var a = await Api.CreatePipelineAsync();
        var b = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(a.Id);
        await Api.CreateTaskAsync(b.Id);
        // RawHttp: System.Uri would unescape %69 to 'i' before sending.
        var response = await RawHttp.SendAsync(fixture.Port, "GET", $"/tasks?p%69peline_id={b.Id}");
        Expect.Status(response, 200);
        response.Json.GetProperty("items").EnumerateArray().Select(t => t.Str("pipeline_id")).Should().Contain(p => p != b.Id,
            "`p%69peline_id` is not the name `pipeline_id`, so nothing is filtered");
    }

    private async Task<List<string?>> TaskIdsAsync(string query)
    {
        var response = await Api.GetAsync("/tasks?" + query);
        Expect.Status(response, 200);
        return response.Json.GetProperty("items").EnumerateArray().Select(t => t.Str("id")).ToList();
    }

    private async Task<List<string>> BulkCreateAsync(string pipelineId, int count)
    {
        var items = new JsonArray(Enumerable.Range(0, count).Select(_ => (JsonNode)Flow.TaskBody(pipelineId)).ToArray());
        var response = await Api.PostAsync("/tasks/bulk", new JsonObject { ["tasks"] = items }.ToJsonString());
        Expect.Status(response, 201);
        return response.Json.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private static void AssertSortedByCreatedThenId(IReadOnlyList<JsonElement> items)
    {
        for (var i = 1; i < items.Count; i++)
        {
            var (prevTs, prevId) = (items[i - 1].Int("created_at_ms"), items[i - 1].Str("id")!);
            var (ts, id) = (items[i].Int("created_at_ms"), items[i].Str("id")!);
            var ordered = prevTs < ts || (prevTs == ts && string.CompareOrdinal(prevId, id) < 0);
            ordered.Should().BeTrue("items are ordered by created_at_ms then id: {0}:{1} before {2}:{3}", prevTs, prevId, ts, id);
        }
    }
}
