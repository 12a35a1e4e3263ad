using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>§12 items 1-11: transport, routing, errors (CONTRACT §1, §2).</summary>
public sealed class TransportFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;
    private int Port => fixture.Port;

    [Fact]
    public async Task Item001_HealthAnswersOkWithVersionTasksByStageAndActiveLeases()
    {
        var stage = Flow.Unique("stage");
        var pipeline = await Api.CreatePipelineAsync(Flow.Unique("p"), Flow.SingleStageDefinition(stage, Flow.Unique("role")));
        await Api.CreateTaskAsync(pipeline);
        await Api.CreateTaskAsync(pipeline);

        var health = await Api.GetAsync("/health");

        Expect.Status(health, 200);
        var json = health.Json;
        json.Str("status").Should().Be("ok");
        Expect.Kind(json, "version", JsonValueKind.String);
        json.Str("version").Should().NotBeNullOrWhiteSpace();
        Expect.Kind(json, "active_leases", JsonValueKind.Number);
        json.Int("active_leases").Should().BeGreaterThanOrEqualTo(0);
        Expect.Kind(json, "tasks_by_stage", JsonValueKind.Array);
        var stages = json.GetProperty("tasks_by_stage").EnumerateArray().ToList();
        foreach (var s in stages)
        {
            Expect.Kind(s, "stage", JsonValueKind.String);
            s.Int("count").Should().BeGreaterThanOrEqualTo(1, "only stages with at least one task are listed");
        }
        stages.Select(s => s.Str("stage")).Should().BeInAscendingOrder(StringComparer.Ordinal, "tasks_by_stage is sorted by stage name");
        stages.Should().ContainSingle(s => s.Str("stage") == stage).Which.Int("count").Should().Be(2);
    }

    [Fact]
    public async Task Item002_EveryResponseCarriesContentTypeApplicationJsonIncluding204sAndOpenApi()
    {
        var ns = Flow.Unique("ns");
        var probes = new List<ApiResponse>
        {
            await RawHttp.SendAsync(Port, "GET", "/health"),
            await RawHttp.SendAsync(Port, "GET", "/openapi.json"),
            await RawHttp.SendAsync(Port, "GET", "/.well-known/openapi.json"),
            await RawHttp.SendAsync(Port, "GET", "/no/such/route"),
            await RawHttp.SendAsync(Port, "PUT", $"/store/{ns}/k", """{"value":1}"""),
            await RawHttp.SendAsync(Port, "DELETE", $"/store/{ns}/k"),
            await RawHttp.SendAsync(Port, "POST", "/leases/claim", $$"""{"agent_id":"a","agent_role":"{{Flow.Unique("nobody")}}"}"""),
            await RawHttp.SendAsync(Port, "POST", "/tasks", "{not json"),
        };

        probes.Select(p => p.Status).Should().Equal(200, 200, 200, 404, 204, 204, 204, 400);
        foreach (var probe in probes)
        {
            probe.Headers.Should().ContainKey("Content-Type", "{0} must carry a Content-Type", probe);
            probe.ContentType.Should().Be("application/json", "{0}", probe);
        }
        foreach (var noContent in probes.Where(p => p.Status == 204))
        {
            noContent.BodyBytes.Should().BeEmpty("a 204 has an empty body ({0})", noContent);
        }
    }

    [Fact]
    public async Task Item003_UnknownPathAnswers404NotFound()
    {
        foreach (var path in new[] { "/nope", "/tasks/x/y/z/w/v", "/TASKS", "/Health", "/pipelines/x/extra", "/store" })
        {
            var response = await RawHttp.SendAsync(Port, "GET", path);
            Expect.Error(response, 404, "not_found");
        }
    }

    [Fact]
    public async Task Item004_KnownPathWithUnsupportedMethodAnswers404NotFoundNever405()
    {
        var probes = new (string Method, string Path)[]
        {
            ("PUT", "/tasks"),
            ("PATCH", "/pipelines"),
            ("DELETE", "/pipelines"),
            ("POST", "/health"),
            ("DELETE", "/tasks/00000000-0000-4000-8000-000000000000"),
            ("GET", "/leases/claim"),
            ("OPTIONS", "/tasks"),
            ("get", "/tasks"),
            ("Post", "/pipelines"),
        };
        foreach (var (method, path) in probes)
        {
            var response = await RawHttp.SendAsync(Port, method, path, method is "GET" or "get" or "OPTIONS" ? null : "{}"u8.ToArray());
            response.Status.Should().NotBe(405, "there is no 405 in this API ({0})", response);
            Expect.Error(response, 404, "not_found");
        }
    }

    [Fact]
    public async Task Item005_EmptySegmentsAreDroppedAndSegmentsPercentDecoded()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(pipeline.Id);
        await Api.CreateTaskAsync(pipeline.Id);
        var query = "?pipeline_id=" + pipeline.Id;

        var canonical = await RawHttp.SendAsync(Port, "GET", "/tasks" + query);
        Expect.Status(canonical, 200);
        canonical.Json.GetProperty("items").GetArrayLength().Should().Be(2);

        foreach (var variant in new[] { "/tasks/", "//tasks", "/t%61sks", "/%74asks/", "//tasks//" })
        {
            var response = await RawHttp.SendAsync(Port, "GET", variant + query);
            response.Status.Should().Be(200, "{0} is the same route as /tasks", variant);
            response.Body.Should().Be(canonical.Body, "{0} is the same route as /tasks", variant);
        }

        var byId = await RawHttp.SendAsync(Port, "GET", "//pipelines//" + pipeline.Id + "/");
        Expect.Status(byId, 200);
        byId.Json.Str("id").Should().Be(pipeline.Id);

        // '+' stays a plus and a malformed escape stays literal; %2F is a '/' inside one segment.
        var ns = Flow.Unique("ns");
        Expect.Status(await RawHttp.SendAsync(Port, "PUT", $"/store/{ns}/a+b", """{"value":1}"""), 204);
        Expect.Status(await RawHttp.SendAsync(Port, "PUT", $"/store/{ns}/100%ZZ", """{"value":2}"""), 204);
        Expect.Status(await RawHttp.SendAsync(Port, "PUT", $"/store/{ns}/x%2Fy", """{"value":3}"""), 204);
        Expect.Status(await RawHttp.SendAsync(Port, "GET", $"/store/{ns}/a%2Bb"), 200);
        Expect.Error(await RawHttp.SendAsync(Port, "GET", $"/store/{ns}/a%20b"), 404, "not_found");
        var keys = (await RawHttp.SendAsync(Port, "GET", $"/store/{ns}")).Json.EnumerateArray().Select(e => e.Str("key"));
        keys.Should().BeEquivalentTo(["a+b", "100%ZZ", "x/y"]);
    }

    [Fact]
    public async Task Item006_EveryErrorBodyIsAValidEnvelope()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var errors = new[]
        {
            await Api.GetAsync("/no-such-route"),
            await Api.PostAsync("/tasks", "{"),
            await Api.PostAsync("/tasks", TaskBodyFor("00000000-0000-4000-8000-000000000000")),
            await Api.GetAsync("/tasks?limit=0"),
            await Api.GetAsync("/tasks?cursor=garbage"),
            await Api.PostAsync("/pipelines", """{"name":"x","definition":{}}"""),
            await Api.PostAsync("/pipelines", new JsonObject { ["name"] = pipeline.Name, ["definition"] = Flow.StandardDefinition("a", "b") }.ToJsonString()),
            await Api.PutAsync("/store/search/k", """{"value":1}"""),
            await Api.PutAsync("/store/ns/k", """{"nope":1}"""),
            await Api.PutAsync("/store/ns/k", "not json"),
            await Api.GetAsync("/store/search"),
            await Api.GetAsync("/store/search?q=%20"),
            await Api.PostAsync($"/leases/{Guid.NewGuid()}/heartbeat", "{}"),
            await Api.PostAsync($"/leases/{Guid.NewGuid()}/heartbeat", "{}", Api.Bearer(Flow.ForeignToken())),
            await Api.PostAsync("/tasks/bulk", """{"tasks":[]}"""),
            await Api.GetAsync("/tasks/" + Guid.NewGuid()),
        };
        errors.Select(e => e.Status).Should().Equal(404, 400, 404, 400, 400, 400, 409, 400, 400, 400, 400, 400, 401, 404, 400, 404);
        foreach (var error in errors)
        {
            Expect.ErrorEnvelope(error);
            error.Json.EnumerateObject().Select(p => p.Name).Should().Equal(["error"], "the envelope has only `error` ({0})", error);
        }
    }

    [Fact]
    public async Task Item007_SyntaxErrorNonObjectOrTrailingGarbageAnswers400InvalidJson()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var valid = TaskBodyFor(pipeline.Id);
        var bodies = new[] { "", " ", "{", "{\"pipeline_id\":", "[]", "[" + valid + "]", "\"text\"", "42", "null", "true",
            valid + " x", valid + valid, valid + "]", "{'pipeline_id':'x'}", "{pipeline_id:1}" };
        foreach (var body in bodies)
        {
            var response = await Api.PostAsync("/tasks", body);
            Expect.Error(response, 400, "invalid_json");
        }
        foreach (var route in new[] { "/pipelines", "/leases/claim", "/tasks/bulk" })
        {
            foreach (var body in new[] { "{", "[]", "{} {}", "" })
            {
                Expect.Error(await Api.PostAsync(route, body), 400, "invalid_json");
            }
        }
        (await Api.AllTasksAsync(pipeline.Id)).Should().BeEmpty("no rejected body created a task");
    }

    [Fact]
    public async Task Item008_UnknownJsonPropertiesAreIgnored()
    {
        var role = Flow.Unique("role");
        var created = await Api.PostAsync("/pipelines", new JsonObject
        {
            ["name"] = Flow.Unique("p"),
            ["color"] = "blue",
            ["definition"] = Flow.SingleStageDefinition("work", role),
        }.ToJsonString());
        Expect.Status(created, 201);
        var pipelineId = created.Json.Str("id")!;

        var task = await Api.PostAsync("/tasks", Flow.TaskBody(pipelineId, new
        {
            unknown = new { deep = new[] { 1, 2 } },
            priority = 3,
            retry_policy = new { max_attempts = 2, bogus = "x" },
        }).ToJsonString());
        Expect.Status(task, 201);
        var stored = await Api.GetTaskAsync(task.Json.Str("id")!);
        stored.Int("priority").Should().Be(3);
        stored.Int("max_attempts").Should().Be(2);
        Expect.LacksProperty(stored, "unknown");

        var claim = await Api.PostAsync("/leases/claim", $$$"""{"agent_id":"a","agent_role":"{{{role}}}","extra":{"x":[null]},"concurrency":{"per_state":null,"other":1}}""");
        Expect.Status(claim, 200);
        var lease = Flow.ToLease(claim, "a");
        Expect.Status(await Api.AppendEventAsync(lease, "note", JsonNode.Parse("""{"k":1}""")), 201);
        var transition = await Api.PostAsync($"/runs/{lease.RunId}/transition", """{"trigger":"finish","whatever":true}""", lease.Auth);
        Expect.Status(transition, 200);
    }

    [Fact]
    public async Task Item009_IntegerFieldAcceptsNumericStringAndIntegralNumbersButRejectsFractions()
    {
        var pipeline = await Api.CreatePipelineAsync();
        foreach (var (literal, expected) in new[] { ("\"5\"", 5L), ("5.0", 5L), ("5e0", 5L), ("\"-7\"", -7L), ("0", 0L) })
        {
            var body = TaskBodyFor(pipeline.Id)[..^1] + ",\"priority\":" + literal + "}";
            var response = await Api.PostAsync("/tasks", body);
            Expect.Status(response, 201);
            (await Api.GetTaskAsync(response.Json.Str("id")!)).Int("priority").Should().Be(expected, "priority {0}", literal);
        }
        foreach (var literal in new[] { "1.5", "\"1.5\"", "\"abc\"", "\"\"", "true", "[]", "{}", "9223372036854775808", "1e30" })
        {
            var body = TaskBodyFor(pipeline.Id)[..^1] + ",\"priority\":" + literal + "}";
            Expect.Error(await Api.PostAsync("/tasks", body), 400, "invalid_json");
        }

        // The same rule on other integer fields: retry_policy, lease_ttl_ms, expected_task_version.
        var retry = await Api.PostAsync("/tasks", TaskBodyFor(pipeline.Id)[..^1] + ",\"retry_policy\":{\"max_attempts\":\"2\",\"retry_delay_ms\":\"250\"}}");
        Expect.Status(retry, 201);
        var retryTask = await Api.GetTaskAsync(retry.Json.Str("id")!);
        retryTask.Int("max_attempts").Should().Be(2);
        retryTask.Int("retry_delay_ms").Should().Be(250);
        var claim = await Api.PostAsync("/leases/claim", $$"""{"agent_id":"a","agent_role":"{{pipeline.WorkRole}}","lease_ttl_ms":"60000"}""");
        Expect.Status(claim, 200);
        claim.Json.Int("expires_at_ms").Should().Be(claim.Json.GetProperty("run").Int("started_at_ms") + 60_000);
        var lease = Flow.ToLease(claim, "a");
        Expect.Error(await Api.PostAsync($"/runs/{lease.RunId}/transition", """{"trigger":"submit","expected_task_version":1.5}""", lease.Auth), 400, "invalid_json");
        Expect.Status(await Api.PostAsync($"/runs/{lease.RunId}/transition", """{"trigger":"submit","expected_task_version":"1"}""", lease.Auth), 200);
    }

    [Fact]
    public async Task Item010_OptionalFieldGivenAsNullBehavesAsAbsent()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var body = TaskBodyFor(pipeline.Id)[..^1] +
            ",\"metadata\":null,\"priority\":null,\"retry_policy\":null,\"dependencies\":null,\"assigned_agent_id\":null,\"assigned_by\":null}";
        var response = await Api.PostAsync("/tasks", body);
        Expect.Status(response, 201);
        var task = await Api.GetTaskAsync(response.Json.Str("id")!);
        task.GetProperty("metadata").GetRawText().Should().Be("{}");
        task.Int("priority").Should().Be(0);
        task.GetProperty("max_attempts").ValueKind.Should().Be(JsonValueKind.Null);
        task.Int("retry_delay_ms").Should().Be(0);
        task.GetProperty("dead_letter_stage").ValueKind.Should().Be(JsonValueKind.Null);
        task.GetProperty("dependencies").GetArrayLength().Should().Be(0);
        task.GetProperty("assignments").GetArrayLength().Should().Be(0);

        var retryNulls = await Api.PostAsync("/tasks", TaskBodyFor(pipeline.Id)[..^1] +
            ",\"retry_policy\":{\"max_attempts\":null,\"retry_delay_ms\":null,\"dead_letter_stage\":null}}");
        Expect.Status(retryNulls, 201);
        var t2 = await Api.GetTaskAsync(retryNulls.Json.Str("id")!);
        t2.GetProperty("max_attempts").ValueKind.Should().Be(JsonValueKind.Null);
        t2.Int("retry_delay_ms").Should().Be(0);

        var before = Clock.NowMs();
        var claim = await Api.PostAsync("/leases/claim",
            $$"""{"agent_id":"a","agent_role":"{{pipeline.WorkRole}}","lease_ttl_ms":null,"concurrency":null}""");
        Expect.Status(claim, 200);
        claim.Json.Int("expires_at_ms").Should().BeInRange(before + 300_000, Clock.NowMs() + 300_000, "a null TTL is the default 5 minutes");

        var lease = Flow.ToLease(claim, "a");
        Expect.Status(await Api.PostAsync($"/runs/{lease.RunId}/events", """{"kind":"k","data":null}""", lease.Auth), 201);
        Expect.Status(await Api.PostAsync($"/runs/{lease.RunId}/transition",
            """{"trigger":"submit","instructions":null,"usage":null,"expected_stage":null,"expected_task_version":null}""", lease.Auth), 200);
        var review = await Api.ClaimOneAsync(pipeline.ReviewRole);
        Expect.Status(await Api.PostAsync($"/runs/{review.RunId}/fail", """{"error":"e","usage":null}""", review.Auth), 200);
        var events = await Api.AllEventsAsync(lease.RunId);
        events[0].GetProperty("data").GetRawText().Should().Be("{}");
        events[1].GetProperty("data").GetProperty("instructions").GetString().Should().Be("please review", "null instructions fall back like absent ones");
    }

    [Fact]
    public async Task Item011_BodyOver65536BytesAnswers413WhileA60KBBodyIsProcessed()
    {
        var pipeline = await Api.CreatePipelineAsync();

        var sixtyKb = PaddedTaskBody(pipeline.Id, 60_000);
        var ok = await RawHttp.SendAsync(Port, "POST", "/tasks", sixtyKb);
        Expect.Status(ok, 201);
        (await Api.GetTaskAsync(ok.Json.Str("id")!)).Str("description")!.Length.Should().BeGreaterThan(59_000);

        var exactlyAtLimit = await RawHttp.SendAsync(Port, "POST", "/tasks", PaddedTaskBody(pipeline.Id, 65_536));
        Expect.Status(exactlyAtLimit, 201);

        var over = await RawHttp.SendAsync(Port, "POST", "/tasks", PaddedTaskBody(pipeline.Id, 65_537));
        Expect.Error(over, 413, "payload_too_large");

        var wayOver = await RawHttp.SendAsync(Port, "POST", "/tasks", PaddedTaskBody(pipeline.Id, 200_000));
        Expect.Error(wayOver, 413, "payload_too_large");

        var chunkedOver = await RawHttp.SendChunkedAsync(Port, "POST", "/tasks", PaddedTaskBody(pipeline.Id, 70_000), chunkSize: 8192);
        Expect.Error(chunkedOver, 413, "payload_too_large");

        (await Api.AllTasksAsync(pipeline.Id)).Should().HaveCount(2, "only the bodies within the limit created tasks");
    }

    [Fact]
    public async Task ChunkedRequestBodiesAreAccepted()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var response = await RawHttp.SendChunkedAsync(Port, "POST", "/tasks", Encoding.UTF8.GetBytes(TaskBodyFor(pipeline.Id)), chunkSize: 7);
        Expect.Status(response, 201);
        Expect.UuidV4(response.Json.Str("id"), "task id");
    }

    private static string TaskBodyFor(string pipelineId) => Flow.TaskBody(pipelineId).ToJsonString();

    /// <summary>A valid task body of exactly <paramref name="size"/> bytes (the description pads it).</summary>
    private static byte[] PaddedTaskBody(string pipelineId, int size)
    {
        var prefix = "{\"pipeline_id\":\"" + pipelineId + "\",\"title\":\"big\",\"description\":\"";
        const string suffix = "\"}";
        var pad = size - Encoding.UTF8.GetByteCount(prefix) - suffix.Length;
        pad.Should().BePositive();
        var body = Encoding.UTF8.GetBytes(prefix + new string('x', pad) + suffix);
        body.Length.Should().Be(size);
        return body;
    }
}
