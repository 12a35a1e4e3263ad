using Dapper;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Telemetry;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// The state changes shared by transition, fail, the sweeper and release: moving a task between
/// stages (keeping role, terminal flag and dependents' counts true), ending a run and its lease,
/// and applying the retry policy to an attempt that failed or was abandoned.
/// </summary>
public sealed class TaskLifecycle(PipelineCatalog catalog)
{
    public static long AppendEvent(WriteContext ctx, string runId, string kind, string dataJson) =>
        ctx.Db.ExecuteScalar<long>(
            "INSERT INTO events (run_id, ts_ms, kind, data_json) VALUES (@runId, @now, @kind, @dataJson) RETURNING id",
            new { runId, now = ctx.Now, kind, dataJson });

    /// <summary>Ends a run with <paramref name="status"/> and drops its lease; the task is free again.</summary>
    public static void EndRun(WriteContext ctx, string runId, string taskId, string status, bool failure,
        string? errorText = null, string? usageJson = null)
    {
        EndRunAndLease(ctx, runId, status, failure, errorText, usageJson);
        ctx.Db.Execute("UPDATE tasks SET lease_id = NULL WHERE id = @taskId", new { taskId });
    }

    /// <summary>
    /// Ends the run and deletes its lease, leaving the task row to the caller, which clears
    /// <c>lease_id</c> in its own update of that row (a transition: see <see cref="MoveStage"/>).
    /// </summary>
    public static void EndRunAndLease(WriteContext ctx, string runId, string status, bool failure,
        string? errorText = null, string? usageJson = null)
    {
        ctx.Db.Execute("""
            UPDATE runs SET status = @status, ended_at_ms = @now, failure = @failure,
                error_text = COALESCE(@errorText, error_text), usage_json = COALESCE(@usageJson, usage_json)
            WHERE id = @runId
            """, new { runId, status, now = ctx.Now, failure, errorText, usageJson });
        ctx.Db.Execute("DELETE FROM leases WHERE run_id = @runId", new { runId });
    }

    /// <summary>Moves the task to <paramref name="stage"/> and bumps its version.</summary>
    /// <param name="afterSuccess">
    /// the move ends a successful run: in the same statement the task drops its lease and any retry
    /// delay or dead-letter mark (one row update instead of three on the transition path, issue 5)
    /// </param>
    public void MoveStage(WriteContext ctx, TaskRow task, string stage, bool afterSuccess = false)
    {
        var definition = catalog.Get(ctx.Db, task.PipelineId);
        var terminal = definition.IsTerminal(stage);
        var successTerms = afterSuccess
            ? ", lease_id = NULL, dead_letter_reason = NULL, next_eligible_at_ms = 0, retry_wait = 0"
            : "";
        ctx.Db.Execute($"""
            UPDATE tasks SET stage = @stage, role = @role, terminal = @terminal, task_version = task_version + 1,
                updated_at_ms = @now{successTerms}
            WHERE id = @Id
            """, new { task.Id, stage, role = definition.RoleOf(stage), terminal, now = ctx.Now });
        if (terminal != task.Terminal) DependencyStore.OnTerminalChanged(ctx, task.Id, terminal);
    }

    /// <summary>
    /// The run ended without success (failed, or its lease expired): count it, then retry after the
    /// task's delay or dead-letter it (CONTRACT §7.10), with the matching event on the run.
    /// </summary>
    /// <param name="cause">what ended the attempt, for metrics: "fail" or "lease_expired"</param>
    public void ApplyRetryPolicy(WriteContext ctx, string taskId, string runId, string cause)
    {
        var task = TaskStore.Find(ctx.Db, taskId)!;
        var definition = catalog.Get(ctx.Db, task.PipelineId);
        var failed = ctx.Db.ExecuteScalar<long>(
            "SELECT COUNT(*) FROM runs WHERE task_id = @taskId AND failure = 1", new { taskId });
        var decision = RetryDecision.For(failed, task.MaxAttempts, task.RetryDelayMs, task.DeadLetterStage,
            definition.HasStage, ctx.Now);
        ServerTelemetry.AttemptFailed(cause, decision.DeadLetter);

        if (decision.DeadLetter)
        {
            if (decision.DeadLetterStage is { } target) MoveStage(ctx, task, target);
            ctx.Db.Execute("""
                UPDATE tasks SET dead_letter_reason = @reason, next_eligible_at_ms = @next, retry_wait = 0, updated_at_ms = @now
                WHERE id = @taskId
                """, new { taskId, reason = RetryDecision.Reason, next = decision.NextEligibleAtMs, now = ctx.Now });
            AppendEvent(ctx, runId, ServerEvents.DeadLetter,
                ServerEvents.DeadLetterData(failed, task.Stage, decision.DeadLetterStage));
        }
        else
        {
            ctx.Db.Execute("""
                UPDATE tasks SET next_eligible_at_ms = @next, retry_wait = @wait, updated_at_ms = @now WHERE id = @taskId
                """, new { taskId, next = decision.NextEligibleAtMs, wait = decision.NextEligibleAtMs > ctx.Now, now = ctx.Now });
            AppendEvent(ctx, runId, ServerEvents.RetryScheduled,
                ServerEvents.RetryData(failed, task.RetryDelayMs, decision.NextEligibleAtMs));
        }
    }
}
