using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Telemetry;

namespace TaskLeaseServer.Lifecycle;

public sealed record ClaimRequest(string AgentId, string AgentRole, long LeaseTtlMs, IReadOnlyDictionary<string, long> PerStateLimits);

public sealed record ClaimResult(TaskRow Task, RunRow Run, string LeaseId, string LeaseToken, long ExpiresAtMs);

/// <summary>
/// Claiming the best ready task for an agent (<see cref="ClaimRule"/>): the engine finds and marks
/// the winner in one conditional write, then the run and its lease are opened in the same unit.
/// </summary>
public static class Claims
{
    public static ClaimResult? Claim(IWriteUnit unit, ClaimRequest request)
    {
        // A paused role's claims find nothing (EXTENSIONS §9): read in the claim's own unit, so a
        // pause committed before it, on any node, holds.
        if (unit.Roles.IsPaused(request.AgentRole))
        {
            ServerTelemetry.Claimed(request.AgentRole, false);
            return null;
        }
        var leaseId = Ids.New();
        var fullStages = FullStages(unit, request.PerStateLimits);
        var fullPairs = new List<PipelineStage>();
        TaskRow? task;
        while (true)
        {
            task = unit.Leases.ClaimNext(new ClaimFilter(request.AgentRole, request.AgentId, fullStages, fullPairs), leaseId);
            if (task is null || !StageFull(unit, task)) break;
            // The winner's stage is at its max_concurrent: give the mark back and look outside that stage.
            unit.Tasks.ClearLease(task.Id, leaseId);
            fullPairs.Add(new PipelineStage(task.PipelineId, task.Stage));
        }
        ServerTelemetry.Claimed(request.AgentRole, task is not null);
        if (task is null) return null;

        var (token, hash) = LeaseToken.Mint();
        var expires = Limits.AddSaturating(unit.Now, request.LeaseTtlMs);
        var run = unit.Leases.Open(task, new NewLease(leaseId, Ids.New(), request.AgentId, request.AgentRole, hash,
            request.LeaseTtlMs, expires));
        return new ClaimResult(task, run, leaseId, token, expires);
    }

    /// <summary>
    /// Whether the claimed task's (pipeline, stage) already holds its max_concurrent live leases
    /// (EXTENSIONS §12). Checked after the mark, so a claim of a stage without a limit (the usual
    /// case) costs nothing more; the just-marked task has no lease row yet and is not counted.
    /// </summary>
    private static bool StageFull(IWriteUnit unit, TaskRow task) =>
        unit.Pipelines.Definition(task.PipelineId)?.Stage(task.Stage)?.MaxConcurrent is { } limit &&
        unit.Leases.LiveInPipelineStage(task.PipelineId, task.Stage) >= limit;

    /// <summary>
    /// Stages whose per-state limit is reached: counted once per claim, by stage name across all
    /// pipelines as the reference does; a limit of 0 or less means none.
    /// </summary>
    private static List<string> FullStages(IWriteUnit unit, IReadOnlyDictionary<string, long> limits)
    {
        var full = new List<string>();
        foreach (var (stage, limit) in limits)
        {
            if (limit > 0 && unit.Leases.LiveInStage(stage) >= limit) full.Add(stage);
        }
        return full;
    }
}
