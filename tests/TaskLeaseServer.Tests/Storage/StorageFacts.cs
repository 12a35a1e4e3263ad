using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using Xunit;

namespace TaskLeaseServer.Tests.Storage;

/// <summary>
/// What every storage engine must do, stated once against the seam (IStorageEngine, its writer,
/// its units and reads, and the Lifecycle sequences written over them): each engine runs it through
/// a subclass that only says how to build a fresh engine. No fact here may name an engine's types.
/// Each fact gets its own engine and a fake clock; time moves only when a fact moves it.
/// </summary>
public abstract partial class StorageFacts : IAsyncLifetime
{
    protected const string Worker = "worker";
    protected const string Reviewer = "reviewer";
    protected const string Agent = "agent-1";

    /// <summary>
    /// todo (worker) → review (reviewer) → done (terminal); review can send back to todo; "dead" is a
    /// terminal dead-letter stage; "parked" is worked by nobody.
    /// </summary>
    protected const string PipelineJson = """
        {"initial": "todo",
         "states": {"todo": {"agent_role": "worker"}, "review": {"agent_role": "reviewer"},
                    "done": {"terminal": true}, "dead": {"terminal": true}, "parked": {}},
         "transitions": [
           {"from": "todo", "to": "review", "trigger": "submit", "instructions": "look closely"},
           {"from": "review", "to": "done", "trigger": "approve"},
           {"from": "review", "to": "todo", "trigger": "reject"},
           {"from": "parked", "to": "todo", "trigger": "resume"}]}
        """;

    /// <summary>The same, but tasks start in "parked", a stage no role works.</summary>
    protected const string ParkedPipelineJson = """
        {"initial": "parked",
         "states": {"parked": {}, "todo": {"agent_role": "worker"}, "done": {"terminal": true}},
         "transitions": [{"from": "parked", "to": "todo", "trigger": "resume"}, {"from": "todo", "to": "done", "trigger": "finish"}]}
        """;

    protected FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
    protected CommitSignal Signal { get; } = new();
    protected IStorageEngine Engine { get; private set; } = null!;
    protected IWriteExecutor Writer => Engine.Writer;
    protected IReads Reads => Engine.Reads;
    protected long Now => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A fresh, empty engine of the kind under test, on its own database.</summary>
    protected abstract IStorageEngine CreateEngine(CommitSignal signal, TimeProvider time);

    public Task InitializeAsync()
    {
        Engine = CreateEngine(Signal, Clock);
        Engine.Migrate();
        return Task.CompletedTask;
    }

    public virtual Task DisposeAsync()
    {
        Engine?.Dispose();
        return Task.CompletedTask;
    }

    protected void Advance(long ms) => Clock.Advance(TimeSpan.FromMilliseconds(ms));

    protected Task<T> Run<T>(Func<IWriteUnit, T> unit) => Writer.Run(unit);

    protected Task<string> Pipeline(string json = PipelineJson)
    {
        var definition = PipelineDefinition.Parse(JsonDocument.Parse(json).RootElement);
        return Run(u => Creation.Pipeline(u, "pipeline-" + Ids.New(), json, definition));
    }

    protected static NewTask New(string pipelineId, string title = "t", long priority = 0, long? maxAttempts = null,
        long retryDelayMs = 0, string? deadLetterStage = null, IReadOnlyList<string>? dependsOn = null, string? assignee = null) =>
        new(pipelineId, title, "", priority, "{}", maxAttempts, retryDelayMs, deadLetterStage, dependsOn ?? [], assignee,
            assignee is null ? null : "lead");

    /// <summary>Creates the tasks in one unit (one bulk request); returns their ids in order.</summary>
    protected Task<IReadOnlyList<string>> Tasks(params NewTask[] tasks) => Run(u => Creation.Tasks(u, tasks));

    protected async Task<string> OneTask(NewTask task) => (await Tasks(task))[0];

    protected Task<ClaimResult?> Claim(string role = Worker, string agent = Agent, long ttlMs = 60_000,
        IReadOnlyDictionary<string, long>? limits = null) =>
        Run(u => Claims.Claim(u, new ClaimRequest(agent, role, ttlMs, limits ?? new Dictionary<string, long>())));

    protected async Task<ClaimResult> Claimed(string role = Worker, string agent = Agent, long ttlMs = 60_000)
    {
        var claim = await Claim(role, agent, ttlMs);
        Xunit.Assert.NotNull(claim);
        return claim;
    }

    protected static byte[] HashOf(ClaimResult claim) => LeaseToken.HashOf(claim.LeaseToken)!;

    protected static byte[] WrongHash() => LeaseToken.HashOf(LeaseToken.Mint().Token)!;

    protected Task<LeaseRow?> Lease(string leaseId) => Run(u => u.Leases.ById(leaseId));

    protected Task<RunRow?> RunOf(string runId) => Run(u => u.Runs.Find(runId));

    protected TaskRow TaskRow(string id) => Reads.TaskDetails(id)!.Task;

    protected Task<int> Sweep() => Run(u => TaskLeaseServer.Lifecycle.Sweep.Once(u, 100));

    protected Task<long> FailedAttempts(string taskId) => Run(u => u.Runs.FailedAttempts(taskId));

    protected IReadOnlyList<EventRow> EventsOf(string runId) => Reads.Events(runId, null, 1_000).Items;

    protected Task<TransitionResult> Transition(ClaimResult claim, string trigger, long? expectedVersion = null) =>
        Run(u =>
        {
            var (lease, command) = LeaseHolder.Authorize(u, claim.Run.Id, HashOf(claim),
                () => new TransitionCommand(trigger, null, null, null, expectedVersion));
            return LeaseHolder.Transition(u, lease, HashOf(claim), command);
        });

    protected Task<bool> Fail(ClaimResult claim, string error = "boom") =>
        Run(u =>
        {
            var (lease, _) = LeaseHolder.Authorize(u, claim.Run.Id, HashOf(claim), () => true);
            LeaseHolder.Fail(u, lease, HashOf(claim), new FailureReport(error, null));
            return true;
        });

    protected Task<bool> Release(ClaimResult claim) =>
        Run(u =>
        {
            LeaseHolder.Release(u, claim.LeaseId, HashOf(claim));
            return true;
        });
}
