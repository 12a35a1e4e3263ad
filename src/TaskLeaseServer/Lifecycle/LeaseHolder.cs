using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Telemetry;

namespace TaskLeaseServer.Lifecycle;

public sealed record TransitionCommand(string Trigger, string? Instructions, string? UsageJson, string? ExpectedStage, long? ExpectedTaskVersion);

/// <param name="Retryable">false: dead-letter at once (EXTENSIONS §4)</param>
/// <param name="FailureKind">the agent's word for the failure, kept on the run</param>
public sealed record FailureReport(string Error, string? UsageJson, bool Retryable = true, string? FailureKind = null);

public sealed record TransitionResult(string PreviousStage, string NewStage, string Trigger);

/// <summary>
/// What the holder of a lease can do: heartbeat, release, append events, transition, fail. Each
/// starts with the lease check (404, 401, 410 in that order) and ends with a write fenced on the
/// lease, so a holder whose lease expired, was reaped, was superseded or was revoked by an operator
/// changes nothing.
/// </summary>
public static class LeaseHolder
{
    /// <summary>Extends the lease (never shortens it); returns the new expiry.</summary>
    public static long Heartbeat(IWriteUnit unit, string leaseId, byte[] tokenHash, long? requestedTtlMs)
    {
        var lease = Checked(unit, unit.Leases.ById(leaseId), tokenHash, "no such lease", leaseId, null);
        var expires = LeasePolicy.HeartbeatExpiry(lease.ExpiresAtMs, lease.TtlMs, requestedTtlMs, unit.Now);
        if (!unit.Leases.Extend(Fence(lease, tokenHash), expires)) throw Lost(unit, lease);
        return expires;
    }

    /// <summary>Gives the lease back without counting an attempt; the task is claimable again at once.</summary>
    public static void Release(IWriteUnit unit, string leaseId, byte[] tokenHash)
    {
        var lease = Checked(unit, unit.Leases.ById(leaseId), tokenHash, "no such lease", leaseId, null);
        EndLease(unit, lease, tokenHash, new RunEnd("stale", Failure: false));
        unit.Runs.AppendEvent(lease.RunId, ServerEvents.LeaseReleased,
            ServerEvents.LeaseEndedData(lease.Id, lease.AgentId, lease.ExpiresAtMs));
        var task = unit.Tasks.Find(lease.TaskId);
        unit.Claimable(task?.Role, task?.Assignee);
    }

    /// <summary>
    /// The run's live lease, checked; then the request body, parsed by <paramref name="parse"/>: the
    /// contract answers lease problems before body problems.
    /// </summary>
    public static (LeaseRow Lease, T Body) Authorize<T>(IWriteUnit unit, string runId, byte[] tokenHash, Func<T> parse) =>
        (Checked(unit, unit.Leases.ByRun(runId), tokenHash, "the run holds no live lease", null, runId), parse());

    public static long AppendEvent(IWriteUnit unit, LeaseRow lease, byte[] tokenHash, string kind, string dataJson) =>
        unit.Runs.AppendAsHolder(Fence(lease, tokenHash), lease.RunId, kind, dataJson) ?? throw Lost(unit, lease);

    public static TransitionResult Transition(IWriteUnit unit, LeaseRow lease, byte[] tokenHash, TransitionCommand command)
    {
        var run = unit.Runs.Find(lease.RunId) ?? throw new DomainError(Fault.RunNotFound, "no such run");
        var task = unit.Tasks.Find(lease.TaskId)!;
        var definition = unit.Pipelines.Definition(task.PipelineId)!;
        var edge = TransitionRules.Edge(run.Status, task.Stage, task.TaskVersion, task.Id, definition, command.Trigger,
            command.ExpectedStage, command.ExpectedTaskVersion);

        if (!unit.Leases.End(Fence(lease, tokenHash))) throw Lost(unit, lease);
        unit.Runs.End(lease.RunId, new RunEnd("completed", Failure: false, UsageJson: command.UsageJson ?? "{}"));
        Stages.Move(unit, task, edge.To, afterSuccess: true);
        unit.Runs.AppendEvent(lease.RunId, ServerEvents.Transition,
            ServerEvents.TransitionData(command.Trigger, task.Stage, edge.To, command.Instructions ?? edge.Instructions ?? ""));
        ServerTelemetry.Transitioned(task.Stage, edge.To);
        return new TransitionResult(task.Stage, edge.To, command.Trigger);
    }

    public static void Fail(IWriteUnit unit, LeaseRow lease, byte[] tokenHash, FailureReport report)
    {
        EndLease(unit, lease, tokenHash, new RunEnd("failed", Failure: true, report.Error, report.UsageJson ?? "{}", report.FailureKind));
        Retries.AfterFailedAttempt(unit, lease.TaskId, lease.RunId, "fail", report.Retryable);
    }

    /// <summary>
    /// A lease that is gone was either never there (404), or revoked by an operator: then the token
    /// is checked as for a live lease (401), and the holder learns why (410 lease_revoked).
    /// </summary>
    private static LeaseRow Checked(IWriteUnit unit, LeaseRow? lease, byte[] tokenHash, string missing, string? leaseId, string? runId)
    {
        if (lease is null)
        {
            if (unit.Leases.Revoked(leaseId, runId) is { } revoked)
            {
                if (!LeaseToken.Matches(tokenHash, revoked.TokenHash)) throw new DomainError(Fault.LeaseTokenMismatch, "token does not match");
                throw Revocation.Error(revoked.Reason, revoked.Actor);
            }
            throw new DomainError(Fault.LeaseNotFound, missing);
        }
        LeasePolicy.Check(lease.TokenHash, lease.ExpiresAtMs, tokenHash, unit.Now);
        return lease;
    }

    /// <summary>A fenced write found no lease: an operator revoked it since it was read, or it expired.</summary>
    private static DomainError Lost(IWriteUnit unit, LeaseRow lease) =>
        unit.Leases.Revoked(lease.Id, null) is { } revoked ? Revocation.Error(revoked.Reason, revoked.Actor) : LeasePolicy.Expired();

    private static void EndLease(IWriteUnit unit, LeaseRow lease, byte[] tokenHash, RunEnd end)
    {
        if (!unit.Leases.End(Fence(lease, tokenHash))) throw Lost(unit, lease);
        unit.Runs.End(lease.RunId, end);
        unit.Tasks.ClearLease(lease.TaskId, lease.Id);
    }

    private static LeaseFence Fence(LeaseRow lease, byte[] tokenHash) => new(lease.Id, tokenHash);
}
