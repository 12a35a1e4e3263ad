using System.Net;
using System.Text;
using AngleSharp;
using AngleSharp.Dom;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Ui;

/// <summary>Issue 12: the dashboard's pages, parsed as HTML: hostile text stays text, the security headers, the gate.</summary>
public sealed class UiPageFacts
{
    private const string Hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>\"'&";

    private static async Task<(HttpResponseMessage Response, IDocument Document)> Open(ServerFixture server, string path)
    {
        var response = await server.Http.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        var document = await BrowsingContext.New(Configuration.Default).OpenAsync(r => r.Content(html));
        return (response, document);
    }

    private static async Task<(string Pipeline, string Task)> Seed(ServerFixture server)
    {
        var hostile = System.Text.Json.JsonSerializer.Serialize(Hostile);
        var pipeline = await Json(server, "/pipelines", "{\"name\":" + hostile + """
            ,"definition":{"initial":"todo",
             "states":{"todo":{"agent_role":"coder"},"review":{"agent_role":"reviewer"},"done":{"terminal":true}},
             "transitions":[{"from":"todo","to":"review","trigger":"submit"},{"from":"review","to":"done","trigger":"approve"}]}}
            """);
        var task = await Json(server, "/tasks",
            $"{{\"pipeline_id\":\"{pipeline}\",\"title\":{hostile},\"description\":{hostile},\"metadata\":{{\"note\":{hostile}}}}}");
        return (pipeline, task);
    }

    private static async Task<string> Json(ServerFixture server, string path, string body)
    {
        var response = await server.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task EveryPageRendersHostileTextAsTextUnderAStrictPolicy()
    {
        await using var server = new ServerFixture();
        var (pipeline, task) = await Seed(server);
        foreach (var path in new[] { "/ui", "/ui/tasks", $"/ui/tasks/{task}", "/ui/pipelines", $"/ui/pipelines/{pipeline}", "/ui/roles", "/ui/store?q=alert", "/ui/about" })
        {
            var (response, document) = await Open(server, path);
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            csp.Should().Contain("script-src 'self'").And.Contain("default-src 'none'").And.Contain("frame-ancestors 'none'").And.NotContain("unsafe-inline");
            response.Headers.GetValues("X-Content-Type-Options").Single().Should().Be("nosniff");

            document.QuerySelectorAll("script").Select(s => s.GetAttribute("src")).Should().Equal(["/ui/assets/ui.js", "/ui/assets/actions.js"], $"{path} has only the page's own scripts");
            document.QuerySelectorAll("img").Should().BeEmpty(path);
            document.All.SelectMany(e => e.Attributes).Where(a => a.Name.StartsWith("on", StringComparison.Ordinal)).Should().BeEmpty(path);
            document.All.Where(e => e.HasAttribute("style")).Should().BeEmpty($"{path} has no inline style (the policy would refuse it)");
        }
        var (_, taskPage) = await Open(server, $"/ui/tasks/{task}");
        taskPage.QuerySelector("h1")!.TextContent.Should().Be(Hostile);
        taskPage.QuerySelector("p.description")!.TextContent.Should().Be(Hostile);
        taskPage.QuerySelector("svg.fsm .stage.current text.name")!.TextContent.Should().Be("todo");
        var (_, list) = await Open(server, "/ui/tasks");
        list.QuerySelectorAll("tbody tr td a").Should().ContainSingle(a => a.TextContent == Hostile && a.GetAttribute("href") == $"/ui/tasks/{task}");
    }

    [Fact]
    public async Task TheOverviewShowsEachRoleWithItsFigures()
    {
        await using var server = new ServerFixture();
        await Seed(server);
        var (_, page) = await Open(server, "/ui");
        var rows = page.QuerySelectorAll("table")[0].QuerySelectorAll("tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent).ToList()).ToList();
        rows.Should().Contain(r => r[0] == "coder" && r[1] == "running" && r[2] == "1");
        rows.Should().Contain(r => r[0] == "reviewer" && r[2] == "0");
    }

    [Fact]
    public async Task APipelineIsDrawnWithItsCountsAndTasksArePaged()
    {
        await using var server = new ServerFixture();
        var (pipeline, _) = await Seed(server);
        for (var i = 0; i < 55; i++) await Json(server, "/tasks", $$"""{"pipeline_id":"{{pipeline}}","title":"t{{i}}","description":""}""");
        var (_, graph) = await Open(server, $"/ui/pipelines/{pipeline}");
        graph.QuerySelectorAll("svg.fsm g.stage").Should().HaveCount(3);
        graph.QuerySelectorAll("svg.fsm text.sub").Select(t => t.TextContent).Should().Contain("coder · 56");
        graph.QuerySelectorAll("svg.fsm path.edge").Should().HaveCount(2);

        var (_, first) = await Open(server, $"/ui/tasks?pipeline_id={pipeline}");
        first.QuerySelectorAll("tbody tr").Should().HaveCount(50);
        first.QuerySelector("p.note")!.TextContent.Should().Contain("56 matching", "the pipeline's index counts per stage");
        var next = first.QuerySelector("p.pager a")!.GetAttribute("href")!;
        var (_, second) = await Open(server, next);
        second.QuerySelectorAll("tbody tr").Should().HaveCount(6);
        second.QuerySelector("p.note")!.TextContent.Should().Contain("56 matching", "counted from the first row on every page");
        second.QuerySelector("p.pager").Should().BeNull();
    }

    [Fact]
    public async Task WithoutATokenTheDashboardIsOpenOnlyOnLoopback()
    {
        await using var open = new ServerFixture { Host = "0.0.0.0" };
        var (response, page) = await Open(open, "/ui");
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        page.QuerySelector("main p")!.TextContent.Should().Contain("--token");

        await using var withToken = new ServerFixture { ApiToken = "t0ken" };
        using var refused = await withToken.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false })
            .GetAsync("/ui/tasks");
        refused.StatusCode.Should().Be(HttpStatusCode.Redirect, "a server with a token sends the browser to its sign-in (UiSessionFacts)");
        (await withToken.Http.GetAsync("/ui/assets/ui.css")).StatusCode.Should().Be(HttpStatusCode.OK, "the stylesheet holds no data");
    }
}
