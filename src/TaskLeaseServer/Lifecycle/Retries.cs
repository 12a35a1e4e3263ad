using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Telemetry;

namespace TaskLeaseServer.Lifecycle;

/// <summary>What follows an attempt that failed or was abandoned: a retry after the delay, or the dead letter.</summary>
public static class Retries
{
    /// <summary>The failure kind and metrics cause of a run whose lease the sweeper reaped (EXTENSIONS §4).</summary>
    public const string LeaseExpired = "lease_expired";

    /// <param name="cause">what ended the attempt, for metrics: "fail" or "lease_expired"</param>
    /// <param name="retryable">false: the agent said a retry cannot help, so the task is dead-lettered now</param>
    public static void AfterFailedAttempt(IWriteUnit unit, string taskId, string runId, string cause, bool retryable = true)
    {
        var task = unit.Tasks.Find(taskId)!;
        var definition = unit.Pipelines.Definition(task.PipelineId)!;
        var failed = unit.Runs.FailedAttempts(taskId);
        var decision = RetryDecision.For(failed, task.MaxAttempts, task.RetryDelayMs, task.DeadLetterStage,
            definition.HasStage, unit.Now, retryable);
        ServerTelemetry.AttemptFailed(cause, decision.DeadLetter);

        if (decision.DeadLetter)
        {
            if (decision.DeadLetterStage is { } target) Stages.Move(unit, task, target, afterSuccess: false);
            unit.Tasks.MarkDeadLetter(taskId, decision.Reason!, decision.NextEligibleAtMs);
            unit.Runs.AppendEvent(runId, ServerEvents.DeadLetter,
                ServerEvents.DeadLetterData(decision.Reason!, failed, task.Stage, decision.DeadLetterStage));
            return;
        }
        var waiting = ClaimRule.Waiting(Math.Max(decision.NextEligibleAtMs, task.NotBeforeMs), unit.Now);
        unit.Tasks.ScheduleRetry(taskId, decision.NextEligibleAtMs, waiting);
        unit.Runs.AppendEvent(runId, ServerEvents.RetryScheduled,
            ServerEvents.RetryData(failed, task.RetryDelayMs, decision.NextEligibleAtMs));
        if (waiting) unit.DueAt(Math.Max(decision.NextEligibleAtMs, task.NotBeforeMs));
        else unit.Claimable(task.Role, task.Assignee);
    }
}
