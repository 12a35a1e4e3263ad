using System.Net;
using System.Net.Http.Headers;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>Scoped API keys (EXTENSIONS §13) in-process; the black-box suite checks them against the real process.</summary>
public sealed class ApiKeyFacts
{
    private const string Token = "bootstrap-token";

    private static HttpClient As(ServerFixture server, string bearer)
    {
        var client = server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    private static async Task<(string Id, string Key)> NewKey(HttpClient admin, string name, string scopes, string extra = "")
    {
        var created = (await admin.Post("/ops/keys", $$"""{"name":"{{name}}","scopes":[{{scopes}}]{{extra}}}""")).Expect(HttpStatusCode.Created);
        return (created.Str("id"), created.Str("key"));
    }

    [Fact]
    public async Task WithoutAToken_TheServerIsOpen_AndCreatingAKeyIs409()
    {
        await using var server = new ServerFixture();
        (await server.Http.Get("/tasks")).Expect(HttpStatusCode.OK);
        var refused = (await server.Http.Post("/ops/keys", """{"name":"k","scopes":["read"]}""")).ExpectError(HttpStatusCode.Conflict, "auth_not_configured");
        refused.Text.Should().Contain("--token");
    }

    [Fact]
    public async Task EachScope_OpensItsRoutes_AndTheNextOneUpIs403WithTheScopeNamed()
    {
        await using var server = new ServerFixture { ApiToken = Token };
        var admin = As(server, Token);
        var pid = await admin.Pipeline();
        await admin.NewTask(pid);
        var read = As(server, (await NewKey(admin, "reader", "\"read\"")).Key);
        var agent = As(server, (await NewKey(admin, "agent", "\"agent\"")).Key);
        var op = As(server, (await NewKey(admin, "oncall", "\"operator\"")).Key);
        var keyAdmin = As(server, (await NewKey(admin, "root", "\"admin\"")).Key);

        (await read.Get("/tasks")).Expect(HttpStatusCode.OK);
        (await read.Get("/ops/queue")).Expect(HttpStatusCode.OK);
        var denied = (await read.Post("/leases/claim", """{"agent_id":"a","agent_role":"coder"}""")).ExpectError(HttpStatusCode.Forbidden, "forbidden");
        denied.Text.Should().Contain("lacks the agent scope");
        (await read.Post("/tasks", $$"""{"pipeline_id":"{{pid}}","title":"t","description":"d"}""")).ExpectError(HttpStatusCode.Forbidden, "forbidden");

        var lease = await agent.Claim("coder");
        lease.Should().NotBeNull();
        (await agent.Send(HttpMethod.Put, "/store/ns/k", """{"value":1}""")).Status.Should().Be(HttpStatusCode.NoContent);
        (await agent.Get($"/runs/{lease!.RunId}/events")).Expect(HttpStatusCode.OK);
        (await agent.Transition(lease, "submit")).Expect(HttpStatusCode.OK); // lease routes take the lease token
        (await agent.Post("/pipelines", """{"name":"x","definition":{}}""")).ExpectError(HttpStatusCode.Forbidden, "forbidden")
            .Text.Should().Contain("lacks the operator scope");

        (await op.Post("/ops/roles/coder/pause", "{}")).Expect(HttpStatusCode.OK);
        (await op.Get("/ops/keys")).ExpectError(HttpStatusCode.Forbidden, "forbidden").Text.Should().Contain("lacks the admin scope");
        (await keyAdmin.Get("/ops/keys")).Expect(HttpStatusCode.OK);
        (await keyAdmin.Get("/no-such-route")).ExpectError(HttpStatusCode.NotFound, "not_found");
        (await read.Get("/no-such-route")).ExpectError(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task AKeyIsShownOnce_ListedWithoutIt_AndRevokedAtOnce()
    {
        await using var server = new ServerFixture { ApiToken = Token };
        var admin = As(server, Token);
        var (id, key) = await NewKey(admin, "ci", "\"agent\",\"read\",\"agent\"");
        key.Should().StartWith("tlk_").And.HaveLength(47);

        var list = (await admin.Get("/ops/keys")).Expect(HttpStatusCode.OK);
        list.Text.Should().NotContain(key);
        var item = list.Body.GetProperty("items").EnumerateArray().Single();
        item.EnumerateObject().Select(p => p.Name).Should().Equal("id", "name", "scopes", "created_at_ms", "expires_at_ms", "last_used_at_ms");
        item.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Should().Equal("agent", "read");

        var ci = As(server, key);
        (await ci.Get("/tasks")).Expect(HttpStatusCode.OK);
        (await admin.Delete($"/ops/keys/{id}")).Expect(HttpStatusCode.OK).Str("status").Should().Be("revoked");
        (await ci.Get("/tasks")).ExpectError(HttpStatusCode.Unauthorized, "unauthorized").Text.Should().Contain("unknown or was revoked");
        (await admin.Delete($"/ops/keys/{id}")).ExpectError(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task AnExpiredKey_AWrongKey_AndAKeyOfAnotherShape_Are401()
    {
        await using var server = new ServerFixture { ApiToken = Token };
        var admin = As(server, Token);
        var (_, key) = await NewKey(admin, "short", "\"read\"", $$""","expires_at_ms":{{server.Now + 1000}}""");
        var shortLived = As(server, key);
        (await shortLived.Get("/tasks")).Expect(HttpStatusCode.OK);
        server.Advance(1000);
        (await shortLived.Get("/tasks")).ExpectError(HttpStatusCode.Unauthorized, "unauthorized").Text.Should().Contain("expired");

        (await As(server, "tlk_" + new string('A', 43)).Get("/tasks")).ExpectError(HttpStatusCode.Unauthorized, "unauthorized");
        (await As(server, key[..^1]).Get("/tasks")).ExpectError(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task LastUse_IsRecordedOncePerMinute()
    {
        await using var server = new ServerFixture { ApiToken = Token };
        var admin = As(server, Token);
        var (_, key) = await NewKey(admin, "ci", "\"read\"");
        var ci = As(server, key);
        var first = server.Now;
        (await ci.Get("/tasks")).Expect(HttpStatusCode.OK);
        (await LastUsed(admin)).Should().Be(first);

        server.Advance(30_000);
        (await ci.Get("/tasks")).Expect(HttpStatusCode.OK);
        server.Advance(1);
        (await LastUsed(admin, first)).Should().Be(first, "within the minute nothing is written");

        server.Advance(30_000);
        (await ci.Get("/tasks")).Expect(HttpStatusCode.OK);
        (await LastUsed(admin, first)).Should().Be(server.Now);
    }

    /// <summary>The use is written after the request, in a unit of its own: read until it lands (or <paramref name="stays"/> stays).</summary>
    private static async Task<long?> LastUsed(HttpClient admin, long? stays = null)
    {
        long? seen = null;
        for (var i = 0; i < 50; i++)
        {
            var item = (await admin.Get("/ops/keys")).Expect(HttpStatusCode.OK).Body.GetProperty("items")[0].GetProperty("last_used_at_ms");
            seen = item.ValueKind == System.Text.Json.JsonValueKind.Null ? null : item.GetInt64();
            if (seen is not null && seen != stays) return seen;
            await Task.Yield();
            await Task.Delay(20);
        }
        return seen;
    }

    [Theory]
    [InlineData("""{"scopes":["read"]}""", "invalid_json")]
    [InlineData("""{"name":"k"}""", "invalid_json")]
    [InlineData("""{"name":"k","scopes":[]}""", "invalid_request")]
    [InlineData("""{"name":"k","scopes":["root"]}""", "invalid_request")]
    [InlineData("""{"name":"k","scopes":[1]}""", "invalid_json")]
    [InlineData("""{"name":" ","scopes":["read"]}""", "invalid_request")]
    [InlineData("""{"name":"token","scopes":["read"]}""", "invalid_request")]
    [InlineData("""{"name":"k","scopes":["read"],"expires_at_ms":1}""", "invalid_request")]
    [InlineData("""{"name":"k","scopes":["read"],"expires_at_ms":"soon"}""", "invalid_json")]
    public async Task BadKeyRequests_Are400_AndCreateNothing(string body, string code)
    {
        await using var server = new ServerFixture { ApiToken = Token };
        var admin = As(server, Token);
        (await admin.Post("/ops/keys", body)).ExpectError(HttpStatusCode.BadRequest, code);
        (await admin.Get("/ops/keys")).Expect(HttpStatusCode.OK).Body.GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task ADuplicateName_Is409()
    {
        await using var server = new ServerFixture { ApiToken = Token };
        var admin = As(server, Token);
        await NewKey(admin, "ci", "\"read\"");
        (await admin.Post("/ops/keys", """{"name":"ci","scopes":["admin"]}""")).ExpectError(HttpStatusCode.Conflict, "duplicate_name");
    }

    [Fact]
    public async Task TheActorOfARoleEvent_IsTheKeysName_OrToken()
    {
        await using var server = new ServerFixture { ApiToken = Token };
        var admin = As(server, Token);
        await admin.Pipeline();
        var oncall = As(server, (await NewKey(admin, "oncall", "\"operator\"")).Key);
        (await oncall.Post("/ops/roles/coder/pause", """{"reason":"incident"}""")).Expect(HttpStatusCode.OK);
        (await admin.Post("/ops/roles/coder/resume", null)).Expect(HttpStatusCode.OK);

        var events = (await admin.Get("/ops/events")).Expect(HttpStatusCode.OK).Body.GetProperty("items").EnumerateArray().ToList();
        events.Select(e => e.GetProperty("data").GetProperty("actor").GetString()).Should().Equal("oncall", "token");
    }
}
