using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.Playwright;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Browser;

/// <summary>
/// Issue 12: the dashboard in a real browser against the real server process. Operators sign in,
/// act by clicking, and watch the page follow the server; hostile text stays text, nothing is
/// fetched from anywhere else, and no page logs an error.
/// </summary>
public sealed class DashboardBrowserFacts(Dashboard ui) : IClassFixture<Dashboard>, IAsyncLifetime
{
    private Api Api => ui.Api;

    public Task InitializeAsync()
    {
        ui.Foreign.Clear();
        ui.ConsoleErrors.Clear();
        return Task.CompletedTask;
    }

    /// <summary>After every fact: no page asked another host for anything, and none logged an error.</summary>
    public Task DisposeAsync()
    {
        ui.Foreign.Should().BeEmpty("the dashboard loads nothing from anywhere but its own server");
        ui.ConsoleErrors.Should().BeEmpty("no page logs a console error");
        return Task.CompletedTask;
    }

    private async Task<string> OperatorKey(string name)
    {
        var created = await Api.PostAsync("/ops/keys", new JsonObject { ["name"] = Flow.Unique(name), ["scopes"] = new JsonArray("operator") }.ToJsonString());
        Expect.Status(created, 201);
        return created.Json.GetProperty("key").GetString()!;
    }

    private static ILocator Status(IPage page) => page.Locator("dl.fields dd.status").First;

    [BrowserFact]
    public async Task AnOperatorSignsInAndSeesTheRoles()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var page = await ui.SignedInAsync(await OperatorKey("op"));
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/ui$"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Roles", Exact = true }).ClickAsync();
        var row = page.Locator("tbody tr", new() { HasText = pipeline.WorkRole });
        await Assertions.Expect(row).ToBeVisibleAsync();
        await Assertions.Expect(row.Locator("td.state")).ToHaveTextAsync("running");
        await Assertions.Expect(row.Locator("details.action > summary", new() { HasText = "Pause" })).ToBeVisibleAsync();

        // A read key sees the same roles and no action at all.
        var created = await Api.PostAsync("/ops/keys", new JsonObject { ["name"] = Flow.Unique("reader"), ["scopes"] = new JsonArray("read") }.ToJsonString());
        var reader = await ui.SignedInAsync(created.Json.GetProperty("key").GetString()!, "/ui/roles");
        await Assertions.Expect(reader.Locator("tbody tr", new() { HasText = pipeline.WorkRole })).ToBeVisibleAsync();
        await Assertions.Expect(reader.Locator("details.action, form.act")).ToHaveCountAsync(0);

        // Signing out ends the session: the next page asks again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/ui/sign-in"));
        await page.GotoAsync("/ui/roles");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/ui/sign-in"));
    }

    [BrowserFact]
    public async Task ADeadLetteredTaskIsRequeuedByClicking()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id, new { title = "flaky build", retry_policy = new { max_attempts = 1 } });
        Expect.Status(await Api.FailAsync(await Api.ClaimOneAsync(pipeline.WorkRole)), 200);
        (await Api.GetTaskAsync(id)).Str("status").Should().Be("dead_lettered");

        var page = await ui.SignedInAsync(await OperatorKey("requeuer"), "/ui/tasks/" + id);
        await Assertions.Expect(Status(page)).ToHaveTextAsync("dead_lettered");
        await page.Locator("details.action > summary", new() { HasText = "Requeue" }).ClickAsync();
        var form = page.Locator("form.act[data-path$='/requeue']");
        await form.GetByLabel("Reason").FillAsync("the runner was fixed");
        await Assertions.Expect(form.Locator(".curl code")).ToContainTextAsync("\"reason\":\"the runner was fixed\"");
        await form.GetByRole(AriaRole.Button, new() { Name = "Requeue" }).ClickAsync();
        await Assertions.Expect(Status(page)).ToHaveTextAsync("ready");

        var task = await Api.GetTaskAsync(id);
        task.Str("status").Should().Be("ready");
        var claimed = await Api.ClaimOneAsync(pipeline.WorkRole);
        claimed.TaskId.Should().Be(id, "the requeued task is claimable again, with fresh attempts");
    }

    [BrowserFact]
    public async Task ALeasedTaskIsCanceledByClicking()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id, new { title = "long job" });
        var lease = await Api.ClaimOneAsync(pipeline.WorkRole);

        var page = await ui.SignedInAsync(await OperatorKey("canceler"), "/ui/tasks/" + id);
        await Assertions.Expect(Status(page)).ToHaveTextAsync("leased");
        await page.Locator("details.action > summary", new() { HasText = "Cancel" }).ClickAsync();
        var form = page.Locator("form.act[data-path$='/cancel']");
        await form.GetByLabel("Reason").FillAsync("wrong branch");
        await form.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(Status(page)).ToHaveTextAsync("canceled");
        await Assertions.Expect(page.Locator("#toast")).ToContainTextAsync("canceled");

        (await Api.GetTaskAsync(id)).Str("status").Should().Be("canceled");
        Expect.Status(await Api.HeartbeatAsync(lease), 410);
    }

    [BrowserFact]
    public async Task SelectAllTicksEveryRowFromTheKeyboard()
    {
        var pipeline = await Api.CreatePipelineAsync();
        foreach (var title in new[] { "first", "second", "third" }) await Api.CreateTaskAsync(pipeline.Id, new { title });
        var page = await ui.SignedInAsync(await OperatorKey("selector"), "/ui/tasks?pipeline_id=" + pipeline.Id);
        var rows = page.Locator("tbody input[data-select]");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        var all = page.GetByLabel("Select every row on this page");

        await all.FocusAsync();
        await page.Keyboard.PressAsync("Space");
        for (var i = 0; i < 3; i++) await Assertions.Expect(rows.Nth(i)).ToBeCheckedAsync();

        // One row cleared: the box shows "some", and the bulk form counts the two still ticked.
        await rows.Nth(1).UncheckAsync();
        await Assertions.Expect(all).Not.ToBeCheckedAsync();
        (await all.EvaluateAsync<bool>("box => box.indeterminate")).Should().BeTrue();
        var bulk = page.Locator("section.bulk form.act");
        await bulk.GetByLabel("Reason").FillAsync("tidy up");
        await bulk.GetByRole(AriaRole.Button, new() { Name = "Count first" }).ClickAsync();
        await Assertions.Expect(bulk.Locator(".act-result")).ToContainTextAsync("would act on 2 tasks");

        // Pressed again it ticks all (from "some"), and once more it clears all.
        await all.FocusAsync();
        await page.Keyboard.PressAsync("Space");
        for (var i = 0; i < 3; i++) await Assertions.Expect(rows.Nth(i)).ToBeCheckedAsync();
        await page.Keyboard.PressAsync("Space");
        for (var i = 0; i < 3; i++) await Assertions.Expect(rows.Nth(i)).Not.ToBeCheckedAsync();

        // Without the script the box is not shown (it could do nothing) and the rows still are.
        var plain = await ui.Browser.NewContextAsync(new() { JavaScriptEnabled = false, BaseURL = page.Url[..page.Url.IndexOf("/ui", StringComparison.Ordinal)] });
        await plain.AddCookiesAsync((await page.Context.CookiesAsync()).Select(c => new Cookie
            { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, SameSite = c.SameSite }));
        var bare = await plain.NewPageAsync();
        await bare.GotoAsync("/ui/tasks?pipeline_id=" + pipeline.Id);
        await Assertions.Expect(bare.Locator("tbody input[data-select]")).ToHaveCountAsync(3);
        await Assertions.Expect(bare.Locator("input[data-select-all]")).ToBeHiddenAsync();
        await plain.CloseAsync();
    }

    [BrowserFact]
    public async Task ATaskCreatedAfterThePageLoadedAppearsWithoutAReload()
    {
        var page = await ui.SignedInAsync(Dashboard.Token, "/ui");
        var navigations = 0;
        page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) navigations++; };
        var role = Flow.Unique("late");
        var pipeline = await Api.CreatePipelineAsync(role);
        await Api.CreateTaskAsync(pipeline.Id, new { title = "arrived later" });
        var row = page.Locator("tbody tr", new() { HasText = role });
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 25_000 });
        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("1");
        navigations.Should().Be(0, "the page followed the server by itself, without a reload");
    }

    [BrowserFact]
    public async Task AHostileTitleStaysText()
    {
        const string hostile = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>";
        var pipeline = await Api.CreatePipelineAsync();
        var id = await Api.CreateTaskAsync(pipeline.Id, new { title = hostile, description = hostile, metadata = new { note = hostile } });
        var page = await ui.SignedInAsync(Dashboard.Token, "/ui/tasks/" + id);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(hostile);
        await Assertions.Expect(page.Locator("main img")).ToHaveCountAsync(0);
        (await page.EvaluateAsync<bool>("() => window.__pwned === undefined")).Should().BeTrue("no script of the title ran");
        await page.GotoAsync("/ui/tasks?pipeline_id=" + pipeline.Id);
        await Assertions.Expect(page.Locator("tbody a", new() { HasText = "<img src=x" })).ToHaveCountAsync(1);
        (await page.EvaluateAsync<bool>("() => window.__pwned === undefined")).Should().BeTrue();
    }

    /// <summary>Every page of the navigation, a task and a pipeline, light at 1400 px, some dark and at phone width.</summary>
    [BrowserFact]
    public async Task EveryPageIsPhotographed()
    {
        var pipeline = await Api.CreatePipelineAsync("coder", "reviewer");
        var ready = await Api.CreateTaskAsync(pipeline.Id, new { title = "Add retry to the uploader", priority = 5 });
        await Api.CreateTaskAsync(pipeline.Id, new { title = "Write the migration guide" });
        var dead = await Api.CreateTaskAsync(pipeline.Id, new { title = "Flaky integration test", priority = 10, retry_policy = new { max_attempts = 1 } });
        Expect.Status(await Api.FailAsync(await Api.ClaimOneAsync(pipeline.WorkRole), "exit code 137"), 200);
        await Api.ClaimOneAsync(pipeline.WorkRole);
        (await Api.PutAsync("/store/notes/release", """{"value":{"version":"1.4.0"}}""")).Status.Should().BeInRange(200, 204);

        var page = await ui.SignedInAsync(Dashboard.Token, "/ui");
        var links = await page.Locator("nav[aria-label=Main] a").EvaluateAllAsync<string[]>("as => as.map(a => a.getAttribute('href'))");
        links.Should().Contain(["/ui", "/ui/tasks", "/ui/roles"]);
        var pages = links.Select(href => (href, Name(href))).Concat(
        [
            ("/ui/tasks/" + dead, "task"), ("/ui/tasks/" + ready, "task-ready"), ("/ui/pipelines/" + pipeline.Id, "pipeline"),
        ]).ToList();
        foreach (var (href, name) in pages)
        {
            var response = await page.GotoAsync(href);
            response!.Status.Should().Be(200, href);
            await ui.ShotAsync(page, name);
        }
        var dark = await ui.NewPageAsync(scheme: ColorScheme.Dark);
        await dark.GotoAsync("/ui/sign-in");
        await ui.ShotAsync(dark, "sign-in");
        await dark.GetByLabel("API key or token").FillAsync(Dashboard.Token);
        await dark.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(dark.Locator(".who .badge")).ToBeVisibleAsync();
        await ui.ShotAsync(dark, "overview-dark");
        await dark.GotoAsync("/ui/tasks/" + dead);
        await dark.Locator("details.action > summary", new() { HasText = "Requeue" }).ClickAsync();
        await ui.ShotAsync(dark, "task-actions-dark");
        var phone = await ui.NewPageAsync(390, 844);
        await phone.GotoAsync("/ui/sign-in");
        await phone.GetByLabel("API key or token").FillAsync(Dashboard.Token);
        await phone.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(phone.Locator(".who .badge")).ToBeVisibleAsync();
        await ui.ShotAsync(phone, "overview-phone");
        File.Exists(Path.Combine(Dashboard.Screenshots, "roles.png")).Should().BeTrue();
    }

    private static string Name(string href) => href == "/ui" ? "overview" : href["/ui/".Length..].Replace('/', '-');
}
