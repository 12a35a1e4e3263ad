using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>Issue 14 item 10: GET / was a JSON 404; it now says what the server is and where to look.</summary>
public sealed class IndexFacts
{
    [Fact]
    public async Task Root_AnswersNameVersionAndLinks_ThatAllAnswer()
    {
        await using var server = new ServerFixture();
        var index = (await server.Http.Get("/")).Expect(HttpStatusCode.OK);
        var health = (await server.Http.Get("/health")).Expect(HttpStatusCode.OK);

        index.Str("name").Should().Be("TaskLeaseServer");
        index.Str("version").Should().Be(health.Str("version"));
        var links = index.Body.GetProperty("links");
        links.GetProperty("health").GetString().Should().Be("/health");
        links.GetProperty("openapi").GetString().Should().Be("/openapi.json");
        links.GetProperty("swagger").GetString().Should().Be("/swagger");
        foreach (var link in links.EnumerateObject())
        {
            using var answer = await server.Http.GetAsync(new Uri(link.Value.GetString()!, UriKind.Relative));
            answer.StatusCode.Should().Be(HttpStatusCode.OK, "{0} answers", link.Value);
        }
    }

    [Fact]
    public async Task Root_IsOpenInTokenMode_LikeHealth()
    {
        await using var server = new ServerFixture { ApiToken = "t0ken" };
        (await server.Http.Get("/")).Expect(HttpStatusCode.OK);
        (await server.Http.Get("/tasks")).Status.Should().Be(HttpStatusCode.Unauthorized);
    }
}
