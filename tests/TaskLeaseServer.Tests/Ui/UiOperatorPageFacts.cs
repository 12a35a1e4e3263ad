using System.Net;
using System.Text.Json;
using AngleSharp;
using AngleSharp.Dom;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Ui;

/// <summary>
/// Issue 12: the Attention, Tasks (filters), Task (inspect, timeline), Run (span waterfall), Agents
/// and Keys pages, parsed as HTML: their content, their paging, and hostile text staying text.
/// </summary>
public sealed class UiOperatorPageFacts : IAsyncLifetime
{
    private const string Hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>\"'&";
    private static readonly string HostileJson = JsonSerializer.Serialize(Hostile);
    /// <summary>How the hostile string reads inside JSON text shown on a page (its quote escaped).</summary>
    private static readonly string HostileInJson = Hostile.Replace("\"", "\\\"");

    private readonly ServerFixture _server = new();
    private string _pipeline = "";

    private HttpClient Http => _server.Http;

    public async Task InitializeAsync()
    {
        _pipeline = (await Http.Post("/pipelines", """
            {"name":"p","definition":{"initial":"todo",
             "states":{"todo":{"agent_role":"coder"},"review":{"agent_role":"reviewer"},"done":{"terminal":true}},
             "transitions":[{"from":"todo","to":"review","trigger":"submit"},{"from":"review","to":"done","trigger":"approve"}]}}
            """)).Expect(HttpStatusCode.Created).Str("id");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<string> NewTask(string title, string extra = "") =>
        (await Http.Post("/tasks", $"{{\"pipeline_id\":\"{_pipeline}\",\"title\":{JsonSerializer.Serialize(title)},\"description\":\"\"{extra}}}"))
            .Expect(HttpStatusCode.Created).Str("id");

    private async Task<(string Task, string Run, string Lease, string Token)> Claim(string agent, long ttlMs = 60_000)
    {
        var claim = (await Http.Post("/leases/claim", $"{{\"agent_id\":\"{agent}\",\"agent_role\":\"coder\",\"lease_ttl_ms\":{ttlMs}}}")).Expect(HttpStatusCode.OK);
        var body = claim.Body;
        return (body.GetProperty("task").GetProperty("id").GetString()!, body.GetProperty("run").GetProperty("id").GetString()!,
            body.GetProperty("lease_id").GetString()!, body.GetProperty("lease_token").GetString()!);
    }

    private async Task<IDocument> Page(string path, HttpStatusCode status = HttpStatusCode.OK)
    {
        var response = await Http.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, path);
        var document = await BrowsingContext.New(Configuration.Default).OpenAsync(r => r.Content(html));
        NothingRuns(document, path);
        return document;
    }

    /// <summary>Hostile input never becomes markup: no script but the page's own, no image, no handler attribute, no inline style.</summary>
    private static void NothingRuns(IDocument document, string path)
    {
        document.QuerySelectorAll("script").Select(s => s.GetAttribute("src")).Should().Equal(["/ui/assets/ui.js", "/ui/assets/actions.js"], path);
        document.QuerySelectorAll("img").Should().BeEmpty(path);
        document.All.SelectMany(e => e.Attributes).Where(a => a.Name.StartsWith("on", StringComparison.Ordinal)).Should().BeEmpty(path);
        document.All.Where(e => e.HasAttribute("style")).Should().BeEmpty(path);
    }

    private static IElement Lane(IDocument page, string id) => page.QuerySelector($"section#lane-{id}")!;

    [Fact]
    public async Task Attention_ShowsEachLaneWithInspectsNextAction_BoundedWithALinkToAllOfThem()
    {
        var dead = await NewTask(Hostile, ",\"priority\":5,\"retry_policy\":{\"max_attempts\":1}");
        var claim = await Claim("agent-1");
        claim.Task.Should().Be(dead);
        (await Http.Post($"/runs/{claim.Run}/fail", "{\"error\":\"bad input\"}", claim.Token)).Expect(HttpStatusCode.OK);
        var upstream = await NewTask("upstream");
        for (var i = 0; i < 12; i++)
        {
            _server.Advance(1);
            await NewTask("blocked " + i, $",\"dependencies\":[\"{upstream}\"]");
        }
        var canceled = await NewTask("old");
        (await Http.Post($"/tasks/{canceled}/cancel", "{\"reason\":\"not needed\"}")).Expect(HttpStatusCode.OK);

        var page = await Page("/ui/attention");
        page.QuerySelectorAll("nav[aria-label=Main] a").Select(a => a.GetAttribute("href")).Should()
            .Contain(["/ui/attention", "/ui/agents", "/ui/keys"]);
        var deadLane = Lane(page, "deadlettered");
        var row = deadLane.QuerySelectorAll("tbody tr").Should().ContainSingle().Subject;
        row.QuerySelector("td a")!.TextContent.Should().Be(Hostile);
        row.QuerySelector("td a")!.GetAttribute("href").Should().Be($"/ui/tasks/{dead}");
        row.QuerySelector("td.next")!.TextContent.Should().Contain($"POST /tasks/{dead}/requeue", "the next action is inspect's");
        row.QuerySelector("td.actions").Should().NotBeNull("each row has its action slot");
        deadLane.QuerySelector("p.more a")!.GetAttribute("href").Should().Be("/ui/tasks?status=dead_lettered&sort=-created");

        var blocked = Lane(page, "blocked");
        blocked.QuerySelectorAll("tbody tr").Should().HaveCount(10, "a lane shows its first rows only");
        blocked.QuerySelector("h2 .count")!.TextContent.Should().Be("10+");
        blocked.QuerySelector("p.more a")!.TextContent.Should().StartWith("More");
        blocked.QuerySelectorAll("tbody tr td a").Select(a => a.TextContent).Should().Equal(Enumerable.Range(0, 10).Select(i => "blocked " + i));
        blocked.QuerySelector("td.next")!.TextContent.Should().Contain(upstream);

        Lane(page, "canceled").QuerySelector("tbody td a")!.TextContent.Should().Be("old");
        Lane(page, "stuck").QuerySelector("p.empty")!.TextContent.Should().Be("Nothing here.");
        page.QuerySelector("[data-live]")!.GetAttribute("data-after").Should().MatchRegex("^[0-9]+$", "the live script starts after the page's events");
    }

    [Fact]
    public async Task TheRetryingLanesLink_IsItsOwnPage_AllOfItPagedInTheLanesOrder()
    {
        var retrying = new List<string>();
        for (var i = 0; i < 53; i++)
        {
            retrying.Add(await NewTask("flaky " + i, $",\"priority\":{i},\"retry_policy\":{{\"max_attempts\":5}}")); // the newest is claimed first
            var claim = await Claim("agent-r");
            claim.Task.Should().Be(retrying[^1]);
            (await Http.Post($"/runs/{claim.Run}/fail", "{\"error\":\"flaky\"}", claim.Token)).Expect(HttpStatusCode.OK);
            _server.Advance(1);
        }
        retrying.Reverse(); // latest change first

        var lane = Lane(await Page("/ui/attention"), "retrying");
        lane.QuerySelector("p.more a")!.GetAttribute("href").Should().Be("/ui/attention/retrying");
        var first = await Page("/ui/attention/retrying");
        var titles = first.QuerySelectorAll("tbody tr td:first-child a").Select(a => a.TextContent).ToList();
        titles.Should().HaveCount(50);
        var next = first.QuerySelector("p.pager a")!.GetAttribute("href")!;
        var second = await Page(next);
        titles.AddRange(second.QuerySelectorAll("tbody tr td:first-child a").Select(a => a.TextContent));
        second.QuerySelector("p.pager a").Should().BeNull("the lane ends on the second page");
        var ids = first.QuerySelectorAll("tbody tr td:first-child a").Concat(second.QuerySelectorAll("tbody tr td:first-child a"))
            .Select(a => a.GetAttribute("href")!["/ui/tasks/".Length..]);
        ids.Should().Equal(retrying, "every task of the lane once, latest change first");
        second.QuerySelector("td.next").Should().NotBeNull("each row has inspect's next action");

        (await Page("/ui/attention/retrying?after=nonsense", HttpStatusCode.BadRequest)).QuerySelector("p.problem")!.TextContent.Should().Contain("KEY:ID");
        await Page("/ui/attention/stuck", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Tasks_KeepEveryFilterInTheUrl_SortAndPageWithTheApisCursor_AndOfferSelection()
    {
        for (var i = 0; i < 60; i++) await NewTask($"job {i}", $",\"priority\":{i % 3}");
        var hostile = await NewTask(Hostile + " needle", ",\"priority\":7");

        var filtered = await Page("/ui/tasks?q=needle&status=ready&priority_min=5&sort=priority");
        filtered.QuerySelector("input[name=q]")!.GetAttribute("value").Should().Be("needle");
        filtered.QuerySelector("input[name=priority_min]")!.GetAttribute("value").Should().Be("5");
        filtered.QuerySelector("select[name=status] option[selected]")!.GetAttribute("value").Should().Be("ready");
        filtered.QuerySelector("select[name=sort] option[selected]")!.GetAttribute("value").Should().Be("priority");
        var only = filtered.QuerySelectorAll("tbody tr").Should().ContainSingle().Subject;
        only.QuerySelector("td a")!.TextContent.Should().Be(Hostile + " needle");
        only.QuerySelector("input[type=checkbox]")!.GetAttribute("name").Should().Be("select-task");
        only.QuerySelector("input[type=checkbox]")!.GetAttribute("value").Should().Be(hostile);
        filtered.QuerySelector("form.act[data-selection=select-task]").Should().NotBeNull("the bulk form acts on the ticked rows");
        filtered.QuerySelector("p.note")!.TextContent.Should().Contain("1 matching");

        // Sorted by priority, paged by the listing's own cursor: every task once, highest priority first.
        var seen = new List<(string Title, long Priority)>();
        var next = "/ui/tasks?sort=priority";
        var pages = 0;
        while (next is not null)
        {
            var page = await Page(next);
            pages++;
            foreach (var tr in page.QuerySelectorAll("tbody tr"))
            {
                var cells = tr.QuerySelectorAll("td").ToList();
                seen.Add((cells[1].TextContent, long.Parse(cells[5].TextContent)));
            }
            if (pages == 1)
            {
                page.QuerySelector("p.note")!.TextContent.Should().Contain("61 matching", "with no filter the count is the stage counters'");
                page.QuerySelector("th[aria-sort] a")!.TextContent.Should().Be("Priority");
                page.QuerySelectorAll("thead th a").Select(a => a.GetAttribute("href")).Should().Contain("/ui/tasks?sort=-created");
            }
            next = page.QuerySelector("p.pager a")?.GetAttribute("href");
            next?.Should().Contain("sort=priority", "the pager keeps the sort");
        }
        pages.Should().Be(2);
        seen.Should().HaveCount(61);
        seen.Select(s => s.Priority).Should().BeInDescendingOrder();
        seen[0].Title.Should().Be(Hostile + " needle");

        var wrong = await Page("/ui/tasks?status=nope");
        wrong.QuerySelector("p.problem")!.TextContent.Should().Contain("unknown status \"nope\"");
        wrong.QuerySelectorAll("tbody tr").Should().BeEmpty();
    }

    [Fact]
    public async Task Task_ShowsInspectDependenciesBothWaysAttemptsAndOneTimeline()
    {
        var upstream = await NewTask("upstream");
        var task = await NewTask("the task", ",\"priority\":9,\"retry_policy\":{\"max_attempts\":5}");
        var downstream = await NewTask("downstream", $",\"dependencies\":[\"{task}\"]");
        var first = await Claim("agent-a");
        first.Task.Should().Be(task);
        (await Http.Post($"/runs/{first.Run}/events", $"{{\"kind\":{HostileJson},\"data\":{{\"out\":{HostileJson}}}}}", first.Token)).Expect(HttpStatusCode.Created);
        (await Http.Post("/artifacts", $"{{\"kind\":\"patch\",\"uri\":{JsonSerializer.Serialize("s3://b/" + Hostile)},\"task_id\":\"{task}\",\"run_id\":\"{first.Run}\"}}")).Expect(HttpStatusCode.Created);
        (await Http.Post($"/runs/{first.Run}/fail", $"{{\"error\":{HostileJson}}}", first.Token)).Expect(HttpStatusCode.OK);
        _server.Advance(1);
        (await Http.Post($"/tasks/{task}/pause", "{\"reason\":\"hold on\"}")).Expect(HttpStatusCode.OK);

        var page = await Page($"/ui/tasks/{task}");
        var inspect = page.QuerySelector("section.inspect")!;
        inspect.QuerySelector(".verdict")!.TextContent.Should().Contain("Not claimable");
        inspect.QuerySelectorAll("ul.reasons li code").Select(c => c.TextContent).Should().Contain("paused");
        inspect.QuerySelector("dl.evidence dd")!.TextContent.Should().Be("hold on");
        inspect.QuerySelector(".next")!.TextContent.Should().Contain($"POST /tasks/{task}/resume");

        page.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).Should().Contain($"/ui/tasks/{downstream}", "downstream tasks are listed");
        page.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).Should().NotContain($"/ui/tasks/{upstream}", "this task depends on nothing");
        var upstreamPage = await Page($"/ui/tasks/{downstream}");
        upstreamPage.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).Should().Contain($"/ui/tasks/{task}", "upstream tasks are listed");

        var attempts = page.QuerySelectorAll("table").Single(t => t.QuerySelector("th")!.TextContent == "#").QuerySelectorAll("tbody tr");
        var attempt = attempts.Should().ContainSingle().Subject;
        attempt.QuerySelector("a")!.GetAttribute("href").Should().Be($"/ui/runs/{first.Run}");
        attempt.TextContent.Should().Contain("failed").And.Contain(Hostile);

        var timeline = page.QuerySelectorAll("table").Single(t => t.QuerySelectorAll("th").Any(h => h.TextContent == "By")).QuerySelectorAll("tbody tr")
            .Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent).ToList()).ToList();
        timeline.Should().Contain(r => r[2] == Hostile && r[4].Contains(HostileInJson), "an agent's event, as text");
        timeline.Should().Contain(r => r[1] == "artifact" && r[2] == "patch" && r[4].Contains("s3://b/" + Hostile));
        timeline.Should().Contain(r => r[2] == "paused" && r[3] == "anonymous", "an operator action names its actor");
        timeline.Select(r => r[2]).Should().ContainInOrder(Hostile, "paused");
    }

    [Fact]
    public async Task Run_ShowsItsLeaseUsageEventsAndSpansAsAWaterfall_WithHostileAttributesAsText()
    {
        await NewTask("work");
        var claim = await Claim("agent-w", ttlMs: 120_000);
        (await Http.Post($"/runs/{claim.Run}/events", $"{{\"kind\":\"step\",\"data\":{{\"msg\":{HostileJson}}}}}", claim.Token)).Expect(HttpStatusCode.Created);
        var t0 = _server.Now * 1_000_000;
        string Span(string id, string? parent, string name, long fromMs, long toMs) => $$$"""
            {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"{{{id}}}",{{{(parent is null ? "" : $"\"parentSpanId\":\"{parent}\",")}}}
             "name":{{{JsonSerializer.Serialize(name)}}},"kind":3,"startTimeUnixNano":"{{{t0 + fromMs * 1_000_000}}}","endTimeUnixNano":"{{{t0 + toMs * 1_000_000}}}",
             "attributes":[{"key":"nulltickets.run_id","value":{"stringValue":"{{{claim.Run}}}"}},{"key":"prompt","value":{"stringValue":{{{HostileJson}}}}}]}
            """;
        var spans = Span("a000000000000001", null, "agent.run", 0, 1000) + "," + Span("a000000000000002", "a000000000000001", Hostile, 250, 750);
        var otlp = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[]},\"scopeSpans\":[{\"spans\":[" + spans + "]}]}]}";
        (await Http.Post("/v1/traces", otlp)).Expect(HttpStatusCode.OK);
        _server.Advance(5_000);

        var page = await Page($"/ui/runs/{claim.Run}");
        var fields = page.QuerySelector("dl.fields")!.TextContent;
        fields.Should().Contain("agent-w").And.Contain("in 1 min").And.Contain("5 s ago");
        var bars = page.QuerySelectorAll("svg.waterfall rect.bar").ToList();
        bars.Should().HaveCount(2);
        double X(IElement e, string a) => double.Parse(e.GetAttribute(a)!, System.Globalization.CultureInfo.InvariantCulture);
        var (root, child) = (bars[0], bars[1]);
        X(child, "x").Should().BeApproximately(X(root, "x") + X(root, "width") / 4, 1, "the child starts a quarter into its parent");
        X(child, "width").Should().BeApproximately(X(root, "width") / 2, 1);
        page.QuerySelectorAll("svg.waterfall text.label").Select(t => t.TextContent).Should().Contain("agent.run");
        page.QuerySelectorAll("svg.waterfall title").Select(t => t.TextContent).Should().Contain(Hostile + ": 500 ms");
        page.QuerySelectorAll("details.span dd").Select(d => d.TextContent).Should().Contain(Hostile, "span attributes are text");
        page.QuerySelectorAll("details.span summary").Select(s => s.TextContent).Should().Contain(s => s.Contains(Hostile) && s.Contains("client"));

        page.QuerySelectorAll("tbody#tail tr").Should().ContainSingle().Which.TextContent.Should().Contain(HostileInJson);
        var live = page.QuerySelector("[data-live]")!;
        live.GetAttribute("data-stream").Should().Be($"/runs/{claim.Run}/events/stream");
        live.GetAttribute("data-tail").Should().Be("tail");
        live.GetAttribute("data-after").Should().Be(page.QuerySelector("tbody#tail tr td")!.TextContent, "the tail goes on after the last event shown");

        (await Http.GetAsync("/ui/runs/nope")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Agents_ListTheIdsSeenWithTheirLeases_Paged()
    {
        for (var i = 0; i < 53; i++) await NewTask(i == 0 ? Hostile : "t" + i);
        for (var i = 0; i < 53; i++) await Claim($"agent-{i:D2}");

        var first = await Page("/ui/agents");
        var rows = first.QuerySelectorAll("table")[0].QuerySelectorAll("tbody tr").ToList();
        rows.Should().HaveCount(50);
        rows[0].QuerySelectorAll("td").Select(c => c.TextContent).Should().Equal("agent-00", "1", "0 ms ago", "0 ms ago");
        var next = first.QuerySelector("p.pager a")!.GetAttribute("href")!;
        next.Should().Be("/ui/agents?after=agent-49");
        (await Page(next)).QuerySelectorAll("table")[0].QuerySelectorAll("tbody tr").Should().HaveCount(3);

        var one = await Page("/ui/agents?agent=agent-00");
        var lease = one.QuerySelectorAll("tbody tr").Should().ContainSingle().Subject;
        lease.QuerySelector("td a")!.TextContent.Should().Be(Hostile);
        lease.TextContent.Should().Contain("in 1 min");
    }

    [Fact]
    public async Task Keys_ListNameScopesAndUse_NeverTheSecretOrItsHash()
    {
        var hash = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        await _server.Services.GetRequiredService<IWriteExecutor>().Run(unit =>
        {
            unit.Keys.TryInsert(new ApiKeyRow
            {
                Id = "key-1", Name = Hostile, Scopes = "read,operator", KeyHash = hash, CreatedAtMs = _server.Now - 60_000, ExpiresAtMs = _server.Now - 1,
            });
            unit.Keys.Touch("key-1", _server.Now - 30_000);
            return true;
        });

        var page = await Page("/ui/keys");
        var cells = page.QuerySelectorAll("tbody tr").Should().ContainSingle().Subject.QuerySelectorAll("td").Select(c => c.TextContent).ToList();
        cells[0].Should().Be(Hostile);
        page.QuerySelectorAll("tbody .chip").Select(c => c.TextContent).Should().Equal("read", "operator");
        cells[2].Should().Be("expired");
        cells[5].Should().Be("30 s ago");
        var html = page.DocumentElement.OuterHtml;
        html.Should().NotContain(Convert.ToHexString(hash)).And.NotContain(Convert.ToHexString(hash).ToLowerInvariant()).And.NotContain(Convert.ToBase64String(hash));
    }
}
