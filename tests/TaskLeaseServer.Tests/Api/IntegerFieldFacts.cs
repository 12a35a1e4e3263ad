using System.Net;
using FluentAssertions;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Api;

/// <summary>
/// Integer fields take integral values only (CONTRACT §1.5): a fraction too small for
/// <c>decimal</c> to keep is still a fraction, and a 400, never rounded into a stored value or a match.
/// </summary>
public sealed class IntegerFieldFacts
{
    [Fact]
    public async Task ATinyFraction_IsRefused_NotStoredAsZero()
    {
        await using var server = new ServerFixture();
        (await server.Http.Post("/artifacts", """{"kind":"k","uri":"u","size_bytes":1e-29}"""))
            .ExpectError(HttpStatusCode.BadRequest, "invalid_json").Text.Should().Contain("size_bytes");
        (await server.Http.Get("/artifacts")).Expect(HttpStatusCode.OK).Body.GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task AnIntegralExponentForm_IsAccepted()
    {
        await using var server = new ServerFixture();
        (await server.Http.Post("/artifacts", """{"kind":"k","uri":"u","size_bytes":2e3}""")).Expect(HttpStatusCode.Created);
        (await server.Http.Get("/artifacts")).Body.GetProperty("items")[0].GetProperty("size_bytes").GetInt64().Should().Be(2000);
    }

    [Fact]
    public async Task ANearlyIntegralExpectedVersion_DoesNotMatchTheTaskVersion()
    {
        await using var server = new ServerFixture();
        var pipeline = await server.Http.Pipeline();
        var task = await server.Http.NewTask(pipeline);
        var lease = (await server.Http.Claim("coder"))!;

        (await server.Http.Transition(lease, "submit", "\"expected_task_version\":1.0000000000000000000000000000004"))
            .ExpectError(HttpStatusCode.BadRequest, "invalid_json").Text.Should().Contain("expected_task_version");
        (await server.Http.Task(task)).GetProperty("stage").GetString().Should().Be("todo");
        (await server.Http.Transition(lease, "submit", "\"expected_task_version\":1e0")).Expect(HttpStatusCode.OK);
    }
}
