using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>§12 items 24-30: pipelines (CONTRACT §7.1, §8.4-§8.6).</summary>
public sealed class PipelineFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    private Task<ApiResponse> PostPipeline(string name, JsonNode? definition) =>
        Api.PostAsync("/pipelines", new JsonObject { ["name"] = name, ["definition"] = definition?.DeepClone() }.ToJsonString());

    private static JsonObject Valid() => Flow.StandardDefinition(Flow.Unique("w"), Flow.Unique("r"));

    [Fact]
    public async Task Item024_CreatePipelineAnswers201WithUuidV4Id()
    {
        var response = await PostPipeline(Flow.Unique("p"), Valid());
        Expect.Status(response, 201);
        response.Json.EnumerateObject().Select(p => p.Name).Should().Contain("id");
        var id = response.Json.Str("id");
        id.Should().HaveLength(36);
        Expect.UuidV4(id, "pipeline id");

        // An empty name is allowed (this class's server is fresh, so no other test used it).
        Expect.Status(await PostPipeline("", Valid()), 201);
    }

    [Fact]
    public async Task Item025_DuplicateNameAnswers409DuplicateName()
    {
        var name = Flow.Unique("p");
        Expect.Status(await PostPipeline(name, Valid()), 201);
        Expect.Error(await PostPipeline(name, Valid()), 409, "duplicate_name");
        Expect.Error(await PostPipeline(name, Flow.SingleStageDefinition("x", "y")), 409, "duplicate_name");
        Expect.Status(await PostPipeline(name.ToUpperInvariant(), Valid()), 201);
    }

    [Fact]
    public async Task Item026_NoTerminalStateUnknownInitialOrUnknownTransitionTargetAnswers400ValidationFailed()
    {
        var noTerminal = Valid();
        noTerminal["states"]!["done"]!["terminal"] = false;
        noTerminal["states"]!["dead"]!.AsObject().Remove("terminal");
        Expect.Error(await PostPipeline(Flow.Unique("p"), noTerminal), 400, "validation_failed");

        var badInitial = Valid();
        badInitial["initial"] = "nowhere";
        Expect.Error(await PostPipeline(Flow.Unique("p"), badInitial), 400, "validation_failed");

        var badTarget = Valid();
        badTarget["transitions"]!.AsArray().Add(new JsonObject { ["from"] = "work", ["to"] = "limbo", ["trigger"] = "x" });
        Expect.Error(await PostPipeline(Flow.Unique("p"), badTarget), 400, "validation_failed");

        var badSource = Valid();
        badSource["transitions"]!.AsArray().Add(new JsonObject { ["from"] = "limbo", ["to"] = "done", ["trigger"] = "x" });
        Expect.Error(await PostPipeline(Flow.Unique("p"), badSource), 400, "validation_failed");

        var emptyInitial = Valid();
        emptyInitial["initial"] = "";
        Expect.Error(await PostPipeline(Flow.Unique("p"), emptyInitial), 400, "validation_failed");
    }

    [Fact]
    public async Task Item027_DeadEndNonTerminalStateOrEmptyStatesOrTransitionsAnswers400ValidationFailed()
    {
        var deadEnd = Valid();
        deadEnd["states"]!.AsObject()["limbo"] = new JsonObject { ["agent_role"] = "x" };
        Expect.Error(await PostPipeline(Flow.Unique("p"), deadEnd), 400, "validation_failed");

        var noStates = Valid();
        noStates["states"] = new JsonObject();
        Expect.Error(await PostPipeline(Flow.Unique("p"), noStates), 400, "validation_failed");

        var noTransitions = Valid();
        noTransitions["transitions"] = new JsonArray();
        Expect.Error(await PostPipeline(Flow.Unique("p"), noTransitions), 400, "validation_failed");

        foreach (var shape in new JsonNode?[] { null, JsonValue.Create(5), new JsonArray(), JsonValue.Create("def"), new JsonObject() })
        {
            Expect.Error(await PostPipeline(Flow.Unique("p"), shape), 400, "validation_failed");
        }

        var wrongType = Valid();
        wrongType["states"]!["done"]!["terminal"] = "yes";
        Expect.Error(await PostPipeline(Flow.Unique("p"), wrongType), 400, "validation_failed");
    }

    [Fact]
    public async Task Item028_MissingDefinitionOrNonStringNameAnswers400InvalidJson()
    {
        Expect.Error(await Api.PostAsync("/pipelines", $$"""{"name":"{{Flow.Unique("p")}}"}"""), 400, "invalid_json");
        var definition = Valid().ToJsonString();
        Expect.Error(await Api.PostAsync("/pipelines", $$"""{"name":42,"definition":{{definition}}}"""), 400, "invalid_json");
        Expect.Error(await Api.PostAsync("/pipelines", $$"""{"name":null,"definition":{{definition}}}"""), 400, "invalid_json");
        Expect.Error(await Api.PostAsync("/pipelines", $$"""{"name":["p"],"definition":{{definition}}}"""), 400, "invalid_json");
        Expect.Error(await Api.PostAsync("/pipelines", $$"""{"definition":{{definition}}}"""), 400, "invalid_json");
    }

    [Fact]
    public async Task Item029_ListPipelinesIsABareArrayNewestFirst()
    {
        var older = await Api.CreatePipelineAsync();
        var olderCreated = (await Api.GetAsync("/pipelines/" + older.Id)).Json.Int("created_at_ms");
        await Clock.PassAsync(olderCreated);
        var newer = await Api.CreatePipelineAsync();

        var list = await Api.GetAsync("/pipelines");
        Expect.Status(list, 200);
        list.Json.ValueKind.Should().Be(JsonValueKind.Array);
        var items = list.Json.EnumerateArray().ToList();
        foreach (var p in items)
        {
            Expect.HasProperties(p, "id", "name", "definition", "created_at_ms");
            Expect.Kind(p, "definition", JsonValueKind.Object);
        }
        items.Select(p => p.Int("created_at_ms")).Should().BeInDescendingOrder("pipelines are listed newest first");
        var ids = items.Select(p => p.Str("id")).ToList();
        ids.IndexOf(newer.Id).Should().BeGreaterThanOrEqualTo(0);
        ids.IndexOf(newer.Id).Should().BeLessThan(ids.IndexOf(older.Id));
    }

    [Fact]
    public async Task Item030_GetPipelineReturnsDefinitionAsSubmittedAndUnknownIdIs404()
    {
        var definition = Valid();
        definition["x-owner"] = "team-a";
        definition["states"]!["work"]!["workflow_id"] = "wf-1";
        definition["states"]!["work"]!["custom"] = new JsonObject { ["n"] = 1, ["list"] = new JsonArray(true, null, "s") };
        definition["transitions"]![0]!["note"] = "kept";
        var name = Flow.Unique("p");
        var id = await Api.CreatePipelineAsync(name, definition);

        var response = await Api.GetAsync("/pipelines/" + id);
        Expect.Status(response, 200);
        response.Json.Str("id").Should().Be(id);
        response.Json.Str("name").Should().Be(name);
        Expect.Kind(response.Json, "created_at_ms", JsonValueKind.Number);
        Expect.SameJson(response.Json.GetProperty("definition").GetRawText(), definition.ToJsonString(), "the definition is stored as submitted");

        Expect.Error(await Api.GetAsync("/pipelines/" + Guid.NewGuid()), 404, "not_found");
        Expect.Error(await Api.GetAsync("/pipelines/not-a-uuid"), 404, "not_found");
    }
}
