using System.Net;
using System.Text;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Ui;

/// <summary>
/// Issue 12: failed sign-ins are limited per client address, 10 a minute, then 429 with when to
/// retry, on the server's clock (FakeTimeProvider here). Each request is built with its own
/// remote address, as the server's connection would see it.
/// </summary>
public sealed class UiSignInLimitFacts
{
    private const string Token = "limit-t0ken";
    private const string Wrong = "tlk_wrongwrongwrongwrongwrongwrongwrongwrong0";

    private static async Task<(int Status, string? RetryAfter, string Page)> SignIn(ServerFixture server, string address, string key)
    {
        var body = Encoding.UTF8.GetBytes($"key={Uri.EscapeDataString(key)}&next=%2Fui");
        var context = await server.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Post;
            c.Request.Path = "/ui/sign-in";
            c.Request.ContentType = "application/x-www-form-urlencoded";
            c.Request.ContentLength = body.Length;
            c.Request.Body = new MemoryStream(body);
            c.Connection.RemoteIpAddress = IPAddress.Parse(address);
        });
        var page = await new StreamReader(context.Response.Body).ReadToEndAsync();
        var retry = context.Response.Headers.RetryAfter.ToString();
        return (context.Response.StatusCode, retry.Length == 0 ? null : retry, page);
    }

    [Fact]
    public async Task TenFailuresAMinuteThenEveryAttemptFromThatAddressWaitsEvenWithTheRightKey()
    {
        await using var server = new ServerFixture { ApiToken = Token };
        for (var i = 0; i < 10; i++) (await SignIn(server, "10.0.0.1", Wrong)).Status.Should().Be(401, $"failure {i + 1} is only a failure");

        var refused = await SignIn(server, "10.0.0.1", Token);
        refused.Status.Should().Be(429, "the right key is not even checked once the address is over its limit");
        refused.RetryAfter.Should().Be("60");
        refused.Page.Should().Contain("try again in 60 s").And.Contain("Too many failed sign-ins");
        (await SignIn(server, "10.0.0.2", Token)).Status.Should().Be(302, "another address has its own count");

        server.Advance(59_000);
        var later = await SignIn(server, "10.0.0.1", Token);
        later.Status.Should().Be(429);
        later.RetryAfter.Should().Be("1");
        server.Advance(1_000);
        (await SignIn(server, "10.0.0.1", Token)).Status.Should().Be(302, "a minute after the oldest failure the address may try again");
    }

    [Fact]
    public async Task SuccessesCostNothingAndFailuresAgeOutOfTheMinute()
    {
        await using var server = new ServerFixture { ApiToken = Token };
        for (var i = 0; i < 20; i++) (await SignIn(server, "10.0.0.3", Token)).Status.Should().Be(302);
        for (var i = 0; i < 9; i++) (await SignIn(server, "10.0.0.3", Wrong)).Status.Should().Be(401);

        server.Advance(30_000);
        (await SignIn(server, "10.0.0.3", Wrong)).Status.Should().Be(401, "the tenth failure is still answered");
        (await SignIn(server, "10.0.0.3", Wrong)).Status.Should().Be(429);
        server.Advance(30_000);
        (await SignIn(server, "10.0.0.3", Wrong)).Status.Should().Be(401, "the first nine are a minute old and no longer count");
        for (var i = 0; i < 8; i++) (await SignIn(server, "10.0.0.3", Wrong)).Status.Should().Be(401, "two failures in the minute, then eight more");
        (await SignIn(server, "10.0.0.3", Wrong)).Status.Should().Be(429);
    }

    [Fact]
    public async Task AnIpv6ClientCountsByItsSlash64()
    {
        await using var server = new ServerFixture { ApiToken = Token };
        for (var i = 0; i < 10; i++) (await SignIn(server, $"2001:db8:0:7::{i + 1:x}", Wrong)).Status.Should().Be(401);
        (await SignIn(server, "2001:db8:0:7::ff", Token)).Status.Should().Be(429, "a new address in the same /64 is the same client");
        (await SignIn(server, "2001:db8:0:8::1", Token)).Status.Should().Be(302);
    }
}
