using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Lifecycle;

public sealed record CancelCommand(string? Reason, string? Stage);

public sealed record RequeueCommand(string? Stage, bool ResetAttempts, bool Force, string? Reason = null);

/// <summary>
/// The operator actions on one task (EXTENSIONS §7), each one unit: the task and its lease are
/// held first (lease, then task: the lock order of every unit), a live lease is revoked in the same
/// unit when the action takes the task away from its holder, and a server event with the actor
/// goes on the task's latest run or, if it never ran, on the task's own event list (§14). Each
/// returns the task as the action left it.
/// </summary>
public static class Operators
{
    public static TaskRow Cancel(IWriteUnit unit, string taskId, CancelCommand command, string actor)
    {
        var (task, lease) = Hold(unit, taskId);
        if (task.CanceledAtMs is not null) return task;
        var definition = unit.Pipelines.Definition(task.PipelineId)!;
        if (command.Stage is { } stage && !definition.IsTerminal(stage))
            throw new DomainError(Fault.InvalidStage,
                $"stage \"{stage}\" is not a terminal stage of the task's pipeline; name one (e.g. {Terminals(definition)}) or omit stage");
        var revoked = lease is not null && Revoke(unit, task, lease, Revocation.Canceled, actor);
        unit.Tasks.Cancel(taskId, command.Reason);
        if (command.Stage is { } target && target != task.Stage) Stages.Move(unit, unit.Tasks.Find(taskId)!, target, afterSuccess: false);
        Event(unit, taskId, ServerEvents.Canceled, ServerEvents.OperatorData(actor, command.Reason, w =>
        {
            w.WriteString("from_stage", task.Stage);
            if (command.Stage is not null) w.WriteString("stage", command.Stage);
            w.WriteBoolean("lease_revoked", revoked);
        }));
        return unit.Tasks.Find(taskId)!;
    }

    public static TaskRow Requeue(IWriteUnit unit, string taskId, RequeueCommand command, string actor)
    {
        var (task, lease) = Hold(unit, taskId);
        if (lease is not null && lease.ExpiresAtMs > unit.Now && !command.Force)
            throw new DomainError(Fault.TaskLeased,
                $"task \"{taskId}\" is leased by agent \"{lease.AgentId}\" until {lease.ExpiresAtMs}; wait, or send \"force\": true to revoke the lease");
        var definition = unit.Pipelines.Definition(task.PipelineId)!;
        var stage = command.Stage ?? task.Stage;
        if (!definition.HasStage(stage) || definition.RoleOf(stage) is null)
            throw new DomainError(Fault.InvalidStage, command.Stage is null
                ? $"the task is in stage \"{stage}\", which no agent role works; name a stage with an agent_role to requeue it into"
                : $"stage \"{stage}\" is not a stage of the task's pipeline with an agent_role; name one of: {Worked(definition)}");
        var revoked = lease is not null && Revoke(unit, task, lease, Revocation.Requeued, actor);
        if (stage != task.Stage) Stages.Move(unit, unit.Tasks.Find(taskId)!, stage, afterSuccess: false);
        var resetAt = command.ResetAttempts ? unit.Runs.Latest(taskId)?.Attempt ?? 0 : (long?)null;
        unit.Tasks.Requeue(taskId, resetAt);
        unit.Claimable(definition.RoleOf(stage));
        Event(unit, taskId, ServerEvents.Requeued, ServerEvents.OperatorData(actor, command.Reason, w =>
        {
            w.WriteString("from_stage", task.Stage);
            w.WriteString("stage", stage);
            w.WriteString("from_status", TaskStatusRule.Of(task.State(unit.Now), unit.Now));
            w.WriteBoolean("reset_attempts", command.ResetAttempts);
            w.WriteBoolean("lease_revoked", revoked);
        }));
        return unit.Tasks.Find(taskId)!;
    }

    public static TaskRow Pause(IWriteUnit unit, string taskId, string? reason, bool revokeLease, string actor)
    {
        var (task, lease) = Hold(unit, taskId);
        var revoked = revokeLease && lease is not null && Revoke(unit, task, lease, Revocation.Paused, actor);
        if (task.Paused && !revoked && reason is null) return task;
        unit.Tasks.SetPaused(taskId, true, reason ?? task.PauseReason);
        Event(unit, taskId, ServerEvents.Paused, ServerEvents.OperatorData(actor, reason, w => w.WriteBoolean("lease_revoked", revoked)));
        return unit.Tasks.Find(taskId)!;
    }

    public static TaskRow Resume(IWriteUnit unit, string taskId, string actor)
    {
        var task = unit.Tasks.Lock(taskId) ?? throw NotFound(taskId);
        if (!task.Paused) return task;
        unit.Tasks.SetPaused(taskId, false, null);
        unit.Claimable(task.Role);
        Event(unit, taskId, ServerEvents.Resumed, ServerEvents.OperatorData(actor, null));
        return unit.Tasks.Find(taskId)!;
    }

    public static TaskRow Edit(IWriteUnit unit, string taskId, TaskEdit edit, long? expectedTaskVersion, string actor,
        IReadOnlyList<string> fields)
    {
        var task = unit.Tasks.Lock(taskId) ?? throw NotFound(taskId);
        if (expectedTaskVersion is { } expected && expected != task.TaskVersion)
            throw new DomainError(Fault.TaskVersionMismatch,
                $"the task is at version {task.TaskVersion}, not {expected}; re-read it before editing");
        unit.Tasks.Edit(taskId, edit);
        if (edit.NotBeforeMs is not null || edit.Priority is not null) unit.Claimable(task.Role);
        Event(unit, taskId, ServerEvents.Edited, ServerEvents.OperatorData(actor, null, w =>
        {
            w.WriteStartArray("fields");
            foreach (var field in fields) w.WriteStringValue(field);
            w.WriteEndArray();
        }));
        return unit.Tasks.Find(taskId)!;
    }

    public static void Delete(IWriteUnit unit, string taskId, bool force, string actor)
    {
        var (task, lease) = Hold(unit, taskId);
        if (lease is not null && lease.ExpiresAtMs > unit.Now && !force)
            throw new DomainError(Fault.TaskLeased,
                $"task \"{taskId}\" is leased by agent \"{lease.AgentId}\"; wait, or delete with ?force=true to revoke the lease first");
        if (lease is not null) Revoke(unit, task, lease, Revocation.Deleted, actor);
        foreach (var wake in unit.Tasks.Delete(taskId)) unit.Claimable(wake.Role, wake.Assignee);
    }

    public static void RemoveDependency(IWriteUnit unit, string taskId, string upstreamId, string actor)
    {
        if (unit.Tasks.Find(taskId) is null) throw NotFound(taskId);
        if (!unit.Dependencies.Remove(taskId, upstreamId))
            throw new DomainError(Fault.DependencyNotFound, $"task \"{taskId}\" does not depend on \"{upstreamId}\"");
        var task = unit.Tasks.Find(taskId)!;
        if (task.BlockedDeps == 0) unit.Claimable(task.Role);
        Event(unit, taskId, ServerEvents.Edited, ServerEvents.OperatorData(actor, null, w =>
        {
            w.WriteStartArray("fields");
            w.WriteStringValue("dependencies");
            w.WriteEndArray();
            w.WriteString("removed_dependency", upstreamId);
        }));
    }

    /// <summary>
    /// GET /tasks/{id}/inspect, read inside a unit so the verdict sees exactly the rows a claim at
    /// this moment would (SQLite: the same serial writer; PostgreSQL: read committed, the lease row locked for that moment only).
    /// </summary>
    public static InspectResult Inspect(IWriteUnit unit, string taskId)
    {
        var details = unit.Tasks.Details(taskId) ?? throw NotFound(taskId);
        var task = details.Task;
        var lease = task.LeaseId is { } leaseId ? unit.Leases.ById(leaseId) : null;
        var state = task.State(unit.Now);
        // The claim's other two gates, read the way it reads them: the role's stored pause, and the
        // stage's live leases counted only where a limit is set.
        var limit = unit.Pipelines.Definition(task.PipelineId)?.Stage(task.Stage)?.MaxConcurrent;
        var facts = new InspectFacts(taskId, task.Stage, state, task.PauseReason, task.CancelReason,
            task.DeadLetterReason, unit.Runs.FailedAttempts(taskId), lease?.Id, lease?.AgentId, lease?.ExpiresAtMs,
            details.Dependencies.Where(d => !d.Resolved).Select(d => d.DependsOnTaskId).ToList(),
            RolePaused: state.Role is { } role && unit.Roles.IsPaused(role),
            StageLimit: limit,
            StageActive: limit is null ? 0 : unit.Leases.LiveInPipelineStage(task.PipelineId, task.Stage));
        return Inspection.Of(facts, unit.Now);
    }

    /// <summary>
    /// The task and the lease its row names, locked lease first. A claim, release or reap that
    /// commits between the two reads changes the task's lease; then both are read again, and the
    /// second round agrees, because the task is locked by then.
    /// </summary>
    private static (TaskRow Task, LeaseRow? Lease) Hold(IWriteUnit unit, string taskId)
    {
        while (true)
        {
            var seen = unit.Tasks.Find(taskId) ?? throw NotFound(taskId);
            var lease = seen.LeaseId is { } leaseId ? unit.Leases.ById(leaseId) : null;
            var task = unit.Tasks.Lock(taskId) ?? throw NotFound(taskId);
            if (task.LeaseId == seen.LeaseId) return (task, lease);
        }
    }

    /// <summary>Takes the lease away: its run ends (not a failure), the task is unleased, a lease_revoked event says why.</summary>
    private static bool Revoke(IWriteUnit unit, TaskRow task, LeaseRow lease, string reason, string actor)
    {
        unit.Leases.Revoke(lease, reason, actor);
        unit.Runs.End(lease.RunId, new RunEnd(Revocation.RunStatus(reason), Failure: false));
        unit.Tasks.ClearLease(task.Id, lease.Id);
        unit.Runs.AppendEvent(lease.RunId, ServerEvents.LeaseRevoked, ServerEvents.OperatorData(actor, reason, w =>
        {
            w.WriteString("lease_id", lease.Id);
            w.WriteString("agent_id", lease.AgentId);
            w.WriteNumber("expires_at_ms", lease.ExpiresAtMs);
        }));
        return true;
    }

    /// <summary>On the task's latest run, or on the task itself when it never ran (EXTENSIONS §0).</summary>
    private static void Event(IWriteUnit unit, string taskId, string kind, string data)
    {
        if (unit.Runs.Latest(taskId) is { } run) unit.Runs.AppendEvent(run.Id, kind, data);
        else unit.Runs.AppendTaskEvent(taskId, kind, data);
    }

    private static DomainError NotFound(string taskId) => new(Fault.NoSuchTask, $"no task has id \"{taskId}\"");

    private static string Terminals(PipelineDefinition definition) =>
        string.Join(", ", definition.Stages.Where(s => s.Terminal).Select(s => $"\"{s.Name}\""));

    private static string Worked(PipelineDefinition definition) =>
        string.Join(", ", definition.Stages.Where(s => s.AgentRole is not null).Select(s => $"\"{s.Name}\""));
}
