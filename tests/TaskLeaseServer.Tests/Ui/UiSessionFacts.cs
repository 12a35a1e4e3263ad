using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AngleSharp;
using AngleSharp.Dom;
using FluentAssertions;
using Microsoft.AspNetCore.Mvc.Testing;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Ui;

/// <summary>
/// Issue 12: the dashboard's sign-in, its session cookie, CSRF on cookie-authorised writes, and
/// what each scope is offered. Every request here is sent by hand (no cookie jar, no redirects
/// followed), so each fact sees exactly the cookie and headers a browser would.
/// </summary>
public sealed class UiSessionFacts
{
    private const string Token = "ui-t0ken";

    private static ServerFixture Server() => new() { ApiToken = Token };

    private static HttpClient Raw(ServerFixture server) =>
        server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    private static async Task<JsonElement> Api(ServerFixture server, HttpMethod method, string path, string? body = null, string bearer = Token)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Raw(server).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue($"{method} {path}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<(string Pipeline, string Task)> Seed(ServerFixture server)
    {
        var pipeline = (await Api(server, HttpMethod.Post, "/pipelines", """
            {"name":"ui","definition":{"initial":"todo",
             "states":{"todo":{"agent_role":"coder"},"done":{"terminal":true}},
             "transitions":[{"from":"todo","to":"done","trigger":"finish"}]}}
            """)).GetProperty("id").GetString()!;
        var task = (await Api(server, HttpMethod.Post, "/tasks", $$"""{"pipeline_id":"{{pipeline}}","title":"one","description":""}"""))
            .GetProperty("id").GetString()!;
        return (pipeline, task);
    }

    private static async Task<string> Key(ServerFixture server, string scope) =>
        (await Api(server, HttpMethod.Post, "/ops/keys", $$"""{"name":"{{scope}}-key","scopes":["{{scope}}"]}""")).GetProperty("key").GetString()!;

    private static Task<HttpResponseMessage> SignIn(ServerFixture server, string key, string next = "/ui/tasks") =>
        Raw(server).PostAsync("/ui/sign-in", new FormUrlEncodedContent([new("key", key), new("next", next)]));

    /// <summary>Signs in and answers the cookie pair ("tls_session=…") to send back.</summary>
    private static async Task<string> Session(ServerFixture server, string key)
    {
        using var response = await SignIn(server, key);
        response.StatusCode.Should().Be(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        return response.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
    }

    private static async Task<(HttpResponseMessage Response, IDocument Page)> Page(ServerFixture server, string path, string? cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null) request.Headers.Add("Cookie", cookie);
        var response = await Raw(server).SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();
        return (response, await BrowsingContext.New(Configuration.Default).OpenAsync(r => r.Content(html)));
    }

    private static async Task<HttpResponseMessage> CookiePost(ServerFixture server, string path, string cookie, string? csrf, string body = "{}",
        string? fetchSite = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Cookie", cookie);
        if (csrf is not null) request.Headers.Add("X-CSRF-Token", csrf);
        if (fetchSite is not null) request.Headers.Add("Sec-Fetch-Site", fetchSite);
        return await Raw(server).SendAsync(request);
    }

    private static string Csrf(IDocument page) => page.QuerySelector("meta[name=csrf-token]")!.GetAttribute("content")!;

    [Fact]
    public async Task WithATokenEveryPageSendsTheBrowserToASignInFormWithAPasswordField()
    {
        await using var server = Server();
        var (redirect, _) = await Page(server, "/ui/tasks?stage=todo", null);
        redirect.StatusCode.Should().Be(HttpStatusCode.Redirect);
        redirect.Headers.Location!.ToString().Should().Be("/ui/sign-in?next=" + Uri.EscapeDataString("/ui/tasks?stage=todo"));

        var (response, page) = await Page(server, redirect.Headers.Location.ToString(), null);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var form = page.QuerySelector("form.sign-in")!;
        form.GetAttribute("method").Should().Be("post");
        form.GetAttribute("action").Should().Be("/ui/sign-in");
        form.QuerySelector("input[name=key]")!.GetAttribute("type").Should().Be("password");
        form.QuerySelector("input[name=next]")!.GetAttribute("value").Should().Be("/ui/tasks?stage=todo");
        page.QuerySelector("label[for=key]").Should().NotBeNull("the field has a label");

        (await Page(server, "/ui/sign-in?next=https://evil.example/", null)).Page.QuerySelector("input[name=next]")!
            .GetAttribute("value").Should().Be("/ui", "only a dashboard path is a place to go back to");
    }

    [Fact]
    public async Task AValidKeySetsASignedHttpOnlyStrictCookieThatHoldsNoSecret()
    {
        await using var server = Server();
        var key = await Key(server, "operator");
        using var response = await SignIn(server, key);
        response.StatusCode.Should().Be(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().Should().Be("/ui/tasks");
        var cookie = response.Headers.GetValues("Set-Cookie").Single();
        cookie.Should().StartWith("tls_session=");
        var flags = cookie.Split(';').Skip(1).Select(f => f.Trim().ToLowerInvariant()).ToList();
        flags.Should().Contain("httponly").And.Contain("samesite=strict").And.Contain("path=/");
        flags.Should().Contain(f => f.StartsWith("expires=", StringComparison.Ordinal));
        flags.Should().NotContain("secure", "this test server speaks plain HTTP (Secure is set over HTTPS)");
        var value = cookie.Split(';')[0]["tls_session=".Length..];
        value.Should().NotContain(key).And.NotContain(Token);

        using var wrong = await SignIn(server, "tlk_" + new string('A', 43));
        wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        wrong.Headers.Contains("Set-Cookie").Should().BeFalse();
        var page = await wrong.Content.ReadAsStringAsync();
        page.Should().Contain("unknown or was revoked").And.NotContain(new string('A', 43), "the page never echoes what was typed");

        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/ui/sign-in")
            { Content = new FormUrlEncodedContent([new("key", key), new("next", "/ui")]) };
        crossSite.Headers.Add("Origin", "http://evil.example");
        using var refused = await Raw(server).SendAsync(crossSite);
        refused.StatusCode.Should().Be(HttpStatusCode.Forbidden, "another site cannot sign a browser in");
        refused.Headers.Contains("Set-Cookie").Should().BeFalse();
    }

    [Fact]
    public async Task AReadKeySeesEverythingAndNoActionWhileAnOperatorGetsTheForms()
    {
        await using var server = Server();
        var (_, task) = await Seed(server);
        var read = await Session(server, await Key(server, "read"));
        var operatorSession = await Session(server, await Key(server, "operator"));
        foreach (var path in new[] { "/ui", "/ui/tasks?stage=todo", $"/ui/tasks/{task}", "/ui/roles" })
        {
            var (response, page) = await Page(server, path, read);
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            page.QuerySelectorAll("form.act, details.action, input[data-select]").Should().BeEmpty($"a read key is offered nothing on {path}");
            page.QuerySelector(".who .badge")!.TextContent.Should().Be("read-key · read");
            page.Body!.HasAttribute("data-stream").Should().BeFalse("a read key may not open the event stream; the page polls");
        }
        var (keysAnswer, keysPage) = await Page(server, "/ui/keys", read);
        keysAnswer.StatusCode.Should().Be(HttpStatusCode.Forbidden, "the key list is an admin's, as GET /ops/keys is");
        keysPage.QuerySelectorAll("table").Should().BeEmpty();
        keysPage.QuerySelectorAll("nav a[href='/ui/keys']").Should().BeEmpty("a page a session cannot open is not offered");
        (await Page(server, "/ui/keys", operatorSession)).Response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var admin = await Session(server, await Key(server, "admin"));
        (await Page(server, "/ui/keys", admin)).Response.StatusCode.Should().Be(HttpStatusCode.OK);
        var (_, taskPage) = await Page(server, $"/ui/tasks/{task}", operatorSession);
        taskPage.QuerySelectorAll("details.action > summary").Select(s => s.TextContent).Should().Equal("Requeue", "Cancel", "Pause");
        var requeue = taskPage.QuerySelector("form.act[data-path$='/requeue']")!;
        requeue.GetAttribute("method").Should().Be("dialog", "without the script, sending the form does nothing");
        requeue.QuerySelector("input[name=reason]")!.HasAttribute("required").Should().BeTrue("every action asks for a reason");
        requeue.QuerySelector(".curl code")!.TextContent.Should().Contain($"/tasks/{task}/requeue").And.Contain("Authorization: Bearer");
        Csrf(taskPage).Should().NotBeNullOrEmpty();
        taskPage.Body!.HasAttribute("data-stream").Should().BeTrue();
        var (_, roles) = await Page(server, "/ui/roles", operatorSession);
        roles.QuerySelectorAll("form.act").Select(f => f.GetAttribute("data-path")).Should().Contain(["/ops/roles/coder/pause", "/ops/roles/coder/drain"]);
        var (_, list) = await Page(server, "/ui/tasks?stage=todo", operatorSession);
        list.QuerySelectorAll("input[data-select]").Select(c => c.GetAttribute("value")).Should().Equal(task);
        var bulk = list.QuerySelector("form.act[data-dry-run]")!;
        bulk.QuerySelector("button[data-step=apply]")!.HasAttribute("disabled").Should().BeTrue("bulk acts only after a count");
        bulk.QuerySelector("input[name='filter.stage']")!.GetAttribute("value").Should().Be("todo");
    }

    [Fact]
    public async Task ACookieAloneNeverAuthorisesAWrite()
    {
        await using var server = Server();
        var (_, task) = await Seed(server);
        var cookie = await Session(server, await Key(server, "operator"));
        var csrf = Csrf((await Page(server, "/ui", cookie)).Page);

        using (var read = new HttpRequestMessage(HttpMethod.Get, $"/tasks/{task}"))
        {
            read.Headers.Add("Cookie", cookie);
            (await Raw(server).SendAsync(read)).StatusCode.Should().Be(HttpStatusCode.OK, "the session reads the public API");
        }
        using var bare = await CookiePost(server, $"/tasks/{task}/cancel", cookie, null, """{"reason":"csrf"}""");
        bare.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await bare.Content.ReadAsStringAsync()).Should().Contain("X-CSRF-Token");
        using var forged = await CookiePost(server, $"/tasks/{task}/cancel", cookie, csrf[..^2] + "xx", """{"reason":"csrf"}""");
        forged.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var crossSite = await CookiePost(server, $"/tasks/{task}/cancel", cookie, csrf, """{"reason":"csrf"}""", fetchSite: "same-site");
        crossSite.StatusCode.Should().Be(HttpStatusCode.Forbidden, "another origin's page (another port of this host) is refused outright");
        (await Api(server, HttpMethod.Get, $"/tasks/{task}")).GetProperty("status").GetString().Should().Be("ready", "nothing was canceled");

        using var allowed = await CookiePost(server, $"/tasks/{task}/cancel", cookie, csrf, """{"reason":"from the dashboard"}""", fetchSite: "same-origin");
        allowed.StatusCode.Should().Be(HttpStatusCode.OK, await allowed.Content.ReadAsStringAsync());
        (await Api(server, HttpMethod.Get, $"/tasks/{task}")).GetProperty("status").GetString().Should().Be("canceled");
        var otherCsrf = Csrf((await Page(server, "/ui", await Session(server, Token))).Page);
        otherCsrf.Should().NotBe(csrf, "a CSRF token belongs to one session");
    }

    [Fact]
    public async Task ASessionNeverHoldsMoreScopesThanItsKeyAndEndsWithIt()
    {
        await using var server = Server();
        var (_, task) = await Seed(server);
        var readKey = await Key(server, "read");
        var cookie = await Session(server, readKey);
        var csrf = Csrf((await Page(server, "/ui", cookie)).Page);
        using var write = await CookiePost(server, $"/tasks/{task}/cancel", cookie, csrf);
        write.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await write.Content.ReadAsStringAsync()).Should().Contain("lacks the operator scope");

        // The scope in the cookie is signed: raising it by hand makes the cookie worthless.
        var value = cookie["tls_session=".Length..];
        var raised = "tls_session=" + value.Replace("v1.read.", "v1.admin.", StringComparison.Ordinal);
        raised.Should().NotBe(cookie);
        using var tampered = await CookiePost(server, $"/tasks/{task}/cancel", raised, csrf);
        tampered.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Page(server, "/ui", raised)).Response.StatusCode.Should().Be(HttpStatusCode.Redirect);

        // Revoking the key ends its session at the next request.
        var id = (await Api(server, HttpMethod.Get, "/ops/keys")).GetProperty("items").EnumerateArray()
            .Single(k => k.GetProperty("name").GetString() == "read-key").GetProperty("id").GetString();
        await Api(server, HttpMethod.Delete, $"/ops/keys/{id}");
        var (after, _) = await Page(server, "/ui", cookie);
        after.StatusCode.Should().Be(HttpStatusCode.Redirect);
        after.Headers.Location!.ToString().Should().StartWith("/ui/sign-in");
        using var apiAfter = new HttpRequestMessage(HttpMethod.Get, "/tasks");
        apiAfter.Headers.Add("Cookie", cookie);
        (await Raw(server).SendAsync(apiAfter)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        // A session past its lifetime is over too.
        var token = await Session(server, Token);
        server.Advance((long)TaskLeaseServer.Api.Http.SessionCookie.Lifetime.TotalMilliseconds + 1);
        (await Page(server, "/ui", token)).Response.StatusCode.Should().Be(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task SigningOutNeedsTheSessionsCsrfTokenAndClearsTheCookie()
    {
        await using var server = Server();
        var cookie = await Session(server, Token);
        var (_, page) = await Page(server, "/ui", cookie);
        page.QuerySelector(".who .badge")!.TextContent.Should().Be("token · admin");
        var csrf = page.QuerySelector("form[action='/ui/sign-out'] input[name=csrf]")!.GetAttribute("value");

        async Task<HttpResponseMessage> SignOut(string? value)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/ui/sign-out")
                { Content = new FormUrlEncodedContent(value is null ? [] : [new("csrf", value)]) };
            request.Headers.Add("Cookie", cookie);
            return await Raw(server).SendAsync(request);
        }
        (await SignOut(null)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var done = await SignOut(csrf);
        done.StatusCode.Should().Be(HttpStatusCode.Redirect);
        done.Headers.GetValues("Set-Cookie").Single().Should().StartWith("tls_session=;");
    }

    [Fact]
    public async Task WithoutATokenTheOpenDashboardSaysSoAndOffersActionsWithoutACsrfToken()
    {
        await using var server = new ServerFixture();
        var (_, task) = await Seed(server);
        var (_, page) = await Page(server, $"/ui/tasks/{task}", null);
        page.QuerySelector(".who .badge.open")!.TextContent.Should().Contain("reachable only from this machine");
        page.QuerySelector("meta[name=csrf-token]").Should().BeNull();
        page.QuerySelectorAll("form.act").Should().NotBeEmpty();
        page.QuerySelector("form.act .curl code")!.TextContent.Should().NotContain("Authorization");
        using var crossSite = await CookiePost(server, $"/tasks/{task}/cancel", "x=y", null, fetchSite: "cross-site");
        crossSite.StatusCode.Should().Be(HttpStatusCode.Forbidden, "a web page elsewhere cannot drive an open loopback server");
    }

    [Fact]
    public async Task ABulkDryRunCountsAndChangesNothing()
    {
        await using var server = Server();
        var (pipeline, task) = await Seed(server);
        await Api(server, HttpMethod.Post, "/tasks", $$"""{"pipeline_id":"{{pipeline}}","title":"two","description":""}""");
        var counted = await Api(server, HttpMethod.Post, "/tasks/bulk/cancel", """{"filter":{"stage":"todo"},"reason":"r","dry_run":true}""");
        counted.GetProperty("matched").GetInt64().Should().Be(2);
        counted.GetProperty("items").GetArrayLength().Should().Be(0);
        (await Api(server, HttpMethod.Get, $"/tasks/{task}")).GetProperty("status").GetString().Should().Be("ready");
        var done = await Api(server, HttpMethod.Post, "/tasks/bulk/requeue", $$"""{"ids":["{{task}}"],"reason":"again"}""");
        done.GetProperty("items")[0].GetProperty("ok").GetBoolean().Should().BeTrue();
    }
}
