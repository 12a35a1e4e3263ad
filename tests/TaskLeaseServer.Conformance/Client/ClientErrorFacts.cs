using System.Text.RegularExpressions;
using FluentAssertions;
using TaskLeaseServer.Client;
using TaskLeaseServer.Conformance.Infrastructure;
using TaskLeaseServer.Testing;
using Xunit;

namespace TaskLeaseServer.Conformance.Client;

/// <summary>
/// Issue 13, typed exceptions: every (status, code) of the error table in docs/api.md has its own
/// exception type carrying status, code and message, and the real server's answers arrive as them.
/// </summary>
public sealed partial class ClientErrorFacts(DefaultServer fixture) : IClassFixture<DefaultServer>
{
    /// <summary>Types that stand for a whole status (an unknown code of that status), not for one code.</summary>
    private static readonly Type[] Groups = [typeof(TaskLeaseException), typeof(BadRequestException), typeof(NotFoundException), typeof(ConflictException)];

    [GeneratedRegex(@"^\| (\d{3}) \| `([a-z_]+)` \|", RegexOptions.Multiline)]
    private static partial Regex ErrorRow();

    public static TheoryData<int, string> DocumentedCodes()
    {
        var api = File.ReadAllText(Path.Combine(ServerLaunch.RepoRoot(), "docs", "api.md"));
        var rows = ErrorRow().Matches(api).Select(m => (int.Parse(m.Groups[1].Value), m.Groups[2].Value)).Distinct().ToList();
        var data = new TheoryData<int, string>();
        foreach (var (status, code) in rows) data.Add(status, code);
        return data;
    }

    [Fact]
    public void TheErrorTableIsRead() => DocumentedCodes().Count.Should().BeGreaterThan(25);

    [Theory]
    [MemberData(nameof(DocumentedCodes))]
    public void EveryDocumentedCodeHasItsOwnException(int status, string code)
    {
        var e = TaskLeaseException.From(status, code, "what to fix", leaseRoute: false);
        (e.Status, e.Code, e.ServerMessage).Should().Be((status, code, "what to fix"));
        if (code == "conflict") e.Should().BeOfType<ConflictException>("conflict is the plain 409 itself");
        else if (code == "not_found") e.Should().BeOfType<NotFoundException>("not_found is the plain 404 itself");
        else if (status >= 500) e.Should().BeOfType<ServerUnavailableException>("a 5xx reaches the caller only after every retry");
        else Groups.Should().NotContain(e.GetType(), $"{status} {code} deserves a type of its own, not {e.GetType().Name}");
    }

    [Fact]
    public void AnUnknownCodeKeepsItsStatussGroup()
    {
        TaskLeaseException.From(400, "new_code", "m", false).Should().BeOfType<BadRequestException>();
        TaskLeaseException.From(409, "new_code", "m", false).Should().BeOfType<ConflictException>();
        TaskLeaseException.From(404, "not_found", "m", leaseRoute: true).Should().BeOfType<LeaseGoneException>();
        TaskLeaseException.From(410, "expired", "m", false).Should().BeOfType<LeaseExpiredException>().Which.Should().BeAssignableTo<LeaseLostException>();
    }

    [Fact]
    public async Task TheServersAnswersArriveTyped()
    {
        var client = new TaskLeaseClient(fixture.Server.BaseAddress);
        var name = Flow.Unique("errors");
        var role = Flow.Unique("role");
        var pipeline = await client.CreatePipelineAsync(name, WorkerHarness.TwoStageDefinition(role));
        var task = await client.CreateTaskAsync(new NewTask(pipeline, "t"));

        await Throws<DuplicateNameException>(() => client.CreatePipelineAsync(name, WorkerHarness.TwoStageDefinition(role)));
        await Throws<ValidationFailedException>(() => client.CreatePipelineAsync(Flow.Unique("bad"), new { initial = "nowhere", states = new { } }));
        await Throws<PipelineNotFoundException>(() => client.CreateTaskAsync(new NewTask("no-such-pipeline", "t")));
        await Throws<InvalidLimitException>(() => client.ListTasksPageAsync(new TaskQuery { Limit = 0 }));
        await Throws<InvalidCursorException>(() => client.ListTasksPageAsync(cursor: "not-a-cursor"));
        await Throws<ReservedNamespaceException>(() => client.PutAsync("search", "k", 1));
        await Throws<InvalidQueryException>(() => client.SearchStoreAsync(new StoreSearch("  ")));
        await Throws<DependencyTaskNotFoundException>(() => client.AddDependencyAsync(task, "no-such-task"));
        await Throws<InvalidDependencyException>(() => client.AddDependencyAsync(task, task));
        await Throws<InvalidStageException>(() => client.CancelTaskAsync(task, stage: "todo"));

        var claim = (await client.ClaimAsync(new ClaimRequest("a", role)))!;
        await Throws<TaskLeasedException>(() => client.DeleteTaskAsync(task));
        await client.TransitionAsync(claim.Run.Id, claim.LeaseToken, new TransitionRequest("submit"));
        await Throws<LeaseGoneException>(() => client.FailAsync(claim.Run.Id, claim.LeaseToken, new FailRequest("late")));
    }

    private static async Task Throws<T>(Func<Task> call) where T : TaskLeaseException =>
        (await FluentActions.Awaiting(call).Should().ThrowAsync<T>()).Which.ServerMessage.Should().NotBeNullOrWhiteSpace();
}
