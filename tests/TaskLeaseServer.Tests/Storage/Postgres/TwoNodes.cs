using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Postgres;
using TaskLeaseServer.Tests.Support;
using Xunit;

namespace TaskLeaseServer.Tests.Storage.Postgres;

/// <summary>
/// Two engines on one fresh database, as two server nodes would be: each has its own pool, so
/// their units run on different connections at the same time. One fake clock for both.
/// </summary>
public abstract class TwoNodes : IAsyncLifetime
{
    protected const string PipelineJson = """
        {"initial": "todo",
         "states": {"todo": {"agent_role": "worker"}, "review": {"agent_role": "reviewer"}, "done": {"terminal": true}},
         "transitions": [{"from": "todo", "to": "review", "trigger": "submit"}, {"from": "review", "to": "done", "trigger": "approve"}]}
        """;

    private readonly string _url = PostgresCluster.NewDatabase();

    /// <summary>The database both nodes use, for a third connection of the fact's own.</summary>
    protected string Url => _url;

    protected FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
    protected IStorageEngine A { get; private set; } = null!;
    protected IStorageEngine B { get; private set; } = null!;

    public Task InitializeAsync()
    {
        // Named as two server nodes would be (--db …?application_name=), so each is found in pg_stat_activity.
        A = new PostgresEngine(new StorageOptions(_url + "?application_name=node-a"), new ClaimSignal(), Clock);
        B = new PostgresEngine(new StorageOptions(_url + "?application_name=node-b"), new ClaimSignal(), Clock);
        A.Migrate();
        B.Migrate();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        A.Dispose();
        B.Dispose();
        PostgresCluster.DropDatabase(_url);
        return Task.CompletedTask;
    }

    protected Task<string> Pipeline(IStorageEngine node)
    {
        var definition = PipelineDefinition.Parse(JsonDocument.Parse(PipelineJson).RootElement);
        return node.Writer.Run(u => Creation.Pipeline(u, "pipeline-" + Ids.New(), PipelineJson, definition));
    }

    protected static NewTask New(string pipelineId, string title = "t", IReadOnlyList<string>? dependsOn = null) =>
        new(pipelineId, title, "", 0, "{}", null, 0, null, dependsOn ?? [], null, null);

    protected static Task<ClaimResult?> Claim(IStorageEngine node, string role, string agent) =>
        node.Writer.Run(u => Claims.Claim(u, new ClaimRequest(agent, role, 60_000, new Dictionary<string, long>())));

    protected static Task<TransitionResult> Transition(IStorageEngine node, ClaimResult claim, string trigger) =>
        node.Writer.Run(u =>
        {
            var hash = LeaseToken.HashOf(claim.LeaseToken)!;
            var (lease, command) = LeaseHolder.Authorize(u, claim.Run.Id, hash, () => new TransitionCommand(trigger, null, null, null, null));
            return LeaseHolder.Transition(u, lease, hash, command);
        });

    /// <summary>
    /// Called inside a paused unit: returns once <paramref name="competitor"/> has finished or is
    /// waiting for a lock in this database (it is then queued behind the paused unit, which may go
    /// on). Polls pg_stat_activity; bounded, so a hang fails instead of blocking the run.
    /// </summary>
    protected void UntilBlockedOrDone(Task competitor)
    {
        using var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresUrl.Parse(_url).ConnectionString) { Pooling = false }.ConnectionString);
        db.Open();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!competitor.IsCompleted)
        {
            if (db.ExecuteScalar<bool>("""
                SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock')
                """)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the competing unit neither finished nor waited for a lock");
            Thread.Sleep(2);
        }
    }
}
