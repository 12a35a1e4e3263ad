using FluentAssertions;
using TaskLeaseServer.Conformance.Infrastructure;
using Xunit;

namespace TaskLeaseServer.Conformance.Sqlite;

/// <summary>Facts that reach into the SQLite file from outside the server (skipped on other engines).</summary>
public sealed class SqliteFileFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    private Api Api => fixture.Api;

    /// <summary>§12 item 23: a storage failure is a 5xx with the envelope, and a 5xx is never recorded under its key.</summary>
    [SqliteFact]
    public async Task Item023_AResponseThatWas5xxIsNotRecorded()
    {
        var pipeline = await Api.CreatePipelineAsync();
        var key = new Dictionary<string, string> { ["Idempotency-Key"] = Flow.Unique("key") };
        var body = Flow.TaskBody(pipeline.Id).ToJsonString();

        // Hold SQLite's write lock from outside the server: its write must fail (storage failure → 5xx).
        ApiResponse first;
        using (SqliteFile.HoldWriteLock(fixture.Server.Db))
        {
            first = await Api.PostAsync("/tasks", body, headers: key);
        }
        first.Status.Should().BeGreaterThanOrEqualTo(500,
            "the database's write lock was held by another process for the whole request, so the write cannot have succeeded ({0})", first);
        Expect.ErrorEnvelope(first);
        (await Api.AllTasksAsync(pipeline.Id)).Should().BeEmpty();

        var retry = await Api.PostAsync("/tasks", body, headers: key);
        Expect.Status(retry, 201);
        (await Api.AllTasksAsync(pipeline.Id)).Should().ContainSingle().Which.Str("id").Should().Be(retry.Json.Str("id"));
    }
}
