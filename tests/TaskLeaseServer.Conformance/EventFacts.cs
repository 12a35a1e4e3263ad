using System.Text.Json;
using System.Text.Json.Nodes;
using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance;

/// <summary>§12 items 85-92: run events (CONTRACT §5, §8.19, §8.20).</summary>
public sealed class EventFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    private async Task<Lease> LeaseAsync()
    {
        var pipeline = await Api.CreatePipelineAsync();
        await Api.CreateTaskAsync(pipeline.Id);
        return await Api.ClaimOneAsync(pipeline.WorkRole);
    }

    [Fact]
    public async Task Item085_AppendAnswers201WithIncreasingIntegerIds()
    {
        var lease = await LeaseAsync();
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var response = await Api.AppendEventAsync(lease, "progress", JsonNode.Parse($$"""{"step":{{i}}}"""));
            Expect.Status(response, 201);
            Expect.Kind(response.Json, "id", JsonValueKind.Number);
            ids.Add(response.Json.Int("id"));
        }
        ids.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        ids[0].Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task Item086_AppendWithoutAuthorizationIs401AndForARunWithoutLeaseIs404()
    {
        var lease = await LeaseAsync();
        Expect.Error(await Api.PostAsync($"/runs/{lease.RunId}/events", """{"kind":"x"}""", auth: ""), 401, "unauthorized");
        Expect.Error(await Api.PostAsync($"/runs/{Guid.NewGuid()}/events", """{"kind":"x"}""", lease.Auth), 404, "not_found");
        Expect.Error(await Api.PostAsync($"/runs/{Guid.NewGuid()}/events", """{"kind":"x"}""", Api.Bearer(Flow.ForeignToken())), 404, "not_found");
        Expect.Error(await Api.PostAsync($"/runs/{lease.RunId}/events", """{"kind":"x"}""", Api.Bearer(Flow.ForeignToken())), 401, "unauthorized");
    }

    [Fact]
    public async Task Item087_AppendWithoutKindAnswers400InvalidJson()
    {
        var lease = await LeaseAsync();
        Expect.Error(await Api.PostAsync($"/runs/{lease.RunId}/events", """{"data":{}}""", lease.Auth), 400, "invalid_json");
        Expect.Error(await Api.PostAsync($"/runs/{lease.RunId}/events", """{"kind":null}""", lease.Auth), 400, "invalid_json");
        Expect.Error(await Api.PostAsync($"/runs/{lease.RunId}/events", """{"kind":7}""", lease.Auth), 400, "invalid_json");
        // The lease check comes first: a bad body with no token is 401, not 400.
        Expect.Error(await Api.PostAsync($"/runs/{lease.RunId}/events", "{", auth: ""), 401, "unauthorized");
    }

    [Fact]
    public async Task Item088_EventDataDefaultsToEmptyObjectAndAnyJsonValueRoundTrips()
    {
        var lease = await LeaseAsync();
        var values = new[] { """{"a":[1,2,{"b":null}],"s":"x\"y"}""", "[1,\"two\",false]", "\"text\"", "42", "true", "-9007199254740993" };
        Expect.Status(await Api.PostAsync($"/runs/{lease.RunId}/events", """{"kind":"none"}""", lease.Auth), 201);
        Expect.Status(await Api.PostAsync($"/runs/{lease.RunId}/events", """{"kind":"null","data":null}""", lease.Auth), 201);
        foreach (var v in values)
        {
            Expect.Status(await Api.PostAsync($"/runs/{lease.RunId}/events", $$"""{"kind":"v","data":{{v}}}""", lease.Auth), 201);
        }

        var events = await Api.AllEventsAsync(lease.RunId);
        events.Should().HaveCount(2 + values.Length);
        events[0].GetProperty("data").GetRawText().Should().Be("{}");
        events[1].GetProperty("data").GetRawText().Should().Be("{}");
        for (var i = 0; i < values.Length; i++)
        {
            Expect.SameJson(events[2 + i].GetProperty("data").GetRawText(), values[i], $"data {values[i]} is returned as JSON");
        }
    }

    [Fact]
    public async Task Item089_ListEventsReturnsItemsInIdOrderWithDefaultLimit100()
    {
        var lease = await LeaseAsync();
        var before = Clock.NowMs();
        for (var i = 0; i < 103; i++)
        {
            Expect.Status(await Api.AppendEventAsync(lease, "k" + i), 201);
        }

        var response = await Api.GetAsync($"/runs/{lease.RunId}/events");
        Expect.Status(response, 200);
        Expect.HasProperties(response.Json, "items", "next_cursor");
        var items = response.Json.GetProperty("items").EnumerateArray().ToList();
        items.Should().HaveCount(100);
        items.Select(e => e.Int("id")).Should().BeInAscendingOrder();
        items.Select(e => e.Str("kind")).Should().Equal(Enumerable.Range(0, 100).Select(i => "k" + i));
        foreach (var e in items)
        {
            Expect.HasProperties(e, "id", "run_id", "ts_ms", "kind", "data");
            e.Str("run_id").Should().Be(lease.RunId);
            e.Int("ts_ms").Should().BeInRange(before, Clock.NowMs());
        }
        response.Json.GetProperty("next_cursor").GetString().Should().Be(items[^1].Int("id").ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Item090_BadCursorIsInvalidCursorAndLimit0IsInvalidLimit()
    {
        var lease = await LeaseAsync();
        Expect.Error(await Api.GetAsync($"/runs/{lease.RunId}/events?cursor=abc"), 400, "invalid_cursor");
        Expect.Error(await Api.GetAsync($"/runs/{lease.RunId}/events?cursor=1:2"), 400, "invalid_cursor");
        Expect.Error(await Api.GetAsync($"/runs/{lease.RunId}/events?limit=0"), 400, "invalid_limit");
        Expect.Error(await Api.GetAsync($"/runs/{lease.RunId}/events?limit=1001"), 400, "invalid_limit");
        Expect.Status(await Api.GetAsync($"/runs/{lease.RunId}/events?limit=abc"), 200);
    }

    [Fact]
    public async Task Item091_NextCursorIsADigitStringAndLimit1PagingVisitsEveryEventOnce()
    {
        var lease = await LeaseAsync();
        var ids = new List<long>();
        for (var i = 0; i < 5; i++) ids.Add((await Api.AppendEventAsync(lease, "k" + i)).Json.Int("id"));

        var first = await Api.GetAsync($"/runs/{lease.RunId}/events?limit=1");
        var cursor = first.Json.GetProperty("next_cursor");
        cursor.ValueKind.Should().Be(JsonValueKind.String, "the events cursor is a JSON string, not a number");
        cursor.GetString().Should().MatchRegex("^[0-9]+$");

        var seen = await Api.AllEventsAsync(lease.RunId, limit: 1);
        seen.Select(e => e.Int("id")).Should().Equal(ids);
    }

    [Fact]
    public async Task Item092_UnknownRunListsNoEvents()
    {
        var response = await Api.GetAsync($"/runs/{Guid.NewGuid()}/events");
        Expect.Status(response, 200);
        Expect.SameJson(response.Body, """{"items":[],"next_cursor":null}""");
    }
}
