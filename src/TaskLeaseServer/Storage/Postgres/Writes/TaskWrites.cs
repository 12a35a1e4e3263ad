using Dapper;

namespace TaskLeaseServer.Storage.Postgres.Writes;

internal sealed class TaskWrites(PostgresWriteUnit unit) : ITaskWrites
{
    public TaskRow? Find(string id) =>
        unit.Db.QuerySingleOrDefault<TaskRow>($"SELECT {TaskRow.Select} FROM tasks WHERE id = @id", new { id });

    /// <summary>
    /// FOR SHARE: an upstream read as unfinished stays so until this unit commits its new edge, so
    /// the upstream's completion (which updates the row) waits and then sees the edge. Without it
    /// the completion could miss the uncommitted edge and leave the new task blocked forever.
    /// </summary>
    public bool? IsTerminal(string id) =>
        unit.Db.QuerySingleOrDefault<bool?>("SELECT terminal FROM tasks WHERE id = @id FOR SHARE", new { id });

    public void InsertMany(IReadOnlyList<TaskInsert> tasks) => TaskInserts.Run(unit, tasks);

    /// <summary>Fenced on the version; a stage change appends its count deltas in the same statement.</summary>
    public bool MoveStage(StageMove move) =>
        unit.Db.ExecuteScalar<long>(move.AfterSuccess ? MoveAfterSuccess : Move, new
        {
            move.TaskId, move.ExpectedVersion, move.Stage, move.Role, move.Terminal, now = unit.Now,
        }) == 1;

    // The old stage comes from the row at the expected version: stage only changes with the version.
    private const string Counted = """
        , counted AS (
            INSERT INTO stage_count_deltas (stage, delta)
            SELECT old_stage, -1 FROM moved WHERE old_stage <> stage
            UNION ALL SELECT stage, 1 FROM moved WHERE old_stage <> stage)
        SELECT COUNT(*) FROM moved
        """;

    private const string Move = """
        WITH old AS (SELECT id, stage AS old_stage FROM tasks WHERE id = @TaskId),
        moved AS (
            UPDATE tasks t SET stage = @Stage, role = @Role, terminal = @Terminal, task_version = task_version + 1, updated_at_ms = @now
            FROM old WHERE t.id = old.id AND t.task_version = @ExpectedVersion
            RETURNING old.old_stage, t.stage)
        """ + Counted;

    private const string MoveAfterSuccess = """
        WITH old AS (SELECT id, stage AS old_stage FROM tasks WHERE id = @TaskId),
        moved AS (
            UPDATE tasks t SET stage = @Stage, role = @Role, terminal = @Terminal, task_version = task_version + 1, updated_at_ms = @now,
                lease_id = NULL, dead_letter_reason = NULL, next_eligible_at_ms = 0, retry_wait = (not_before_ms > @now)
            FROM old WHERE t.id = old.id AND t.task_version = @ExpectedVersion
            RETURNING old.old_stage, t.stage)
        """ + Counted;

    /// <summary>Dependents are locked in id order first, so two upstreams completing at once never deadlock on them.</summary>
    public IReadOnlyList<Wake> UpstreamResolved(string upstreamId) =>
        unit.Db.Query<(long Blocked, string? Role, string? Assignee)>("""
            WITH locked AS (
                SELECT id FROM tasks
                WHERE id IN (SELECT task_id FROM task_dependencies WHERE depends_on_task_id = @upstreamId)
                ORDER BY id FOR NO KEY UPDATE)
            UPDATE tasks t SET blocked_deps = t.blocked_deps - 1 FROM locked WHERE t.id = locked.id
            RETURNING t.blocked_deps, t.role, t.assignee
            """, new { upstreamId }).Where(t => t.Blocked == 0 && t.Role is not null).Select(t => new Wake(t.Role!, t.Assignee)).ToList();

    public void UpstreamReopened(string upstreamId) =>
        unit.Db.Execute("""
            WITH locked AS (
                SELECT id FROM tasks
                WHERE id IN (SELECT task_id FROM task_dependencies WHERE depends_on_task_id = @upstreamId)
                ORDER BY id FOR NO KEY UPDATE)
            UPDATE tasks t SET blocked_deps = t.blocked_deps + 1 FROM locked WHERE t.id = locked.id
            """, new { upstreamId });

    public void ClearLease(string taskId, string leaseId) =>
        unit.Db.Execute("UPDATE tasks SET lease_id = NULL WHERE id = @taskId AND lease_id = @leaseId", new { taskId, leaseId });

    public void ScheduleRetry(string id, long nextEligibleAtMs, bool waiting) =>
        unit.Db.Execute("UPDATE tasks SET next_eligible_at_ms = @nextEligibleAtMs, retry_wait = @waiting, updated_at_ms = @now WHERE id = @id",
            new { id, nextEligibleAtMs, waiting, now = unit.Now });

    public void MarkDeadLetter(string id, string reason, long nextEligibleAtMs) =>
        unit.Db.Execute("""
            UPDATE tasks SET dead_letter_reason = @reason, next_eligible_at_ms = @nextEligibleAtMs, retry_wait = false, updated_at_ms = @now
            WHERE id = @id
            """, new { id, reason, nextEligibleAtMs, now = unit.Now });

    /// <summary>SKIP LOCKED: a due task a claimer holds is the claimer's (its claim clears the flag); the next sweep gets the rest.</summary>
    public long? NextDueAtMs() =>
        unit.Db.ExecuteScalar<long?>($"SELECT MIN({ClaimSql.EligibleAt}) FROM tasks WHERE retry_wait AND NOT paused AND canceled_at_ms IS NULL");

    public IReadOnlyList<Wake> PromoteDueRetries() =>
        unit.Db.Query<(string? Role, string? Assignee)>($"""
            UPDATE tasks SET retry_wait = false
            WHERE id IN (SELECT id FROM tasks WHERE retry_wait AND {ClaimSql.EligibleAt} <= @now FOR UPDATE SKIP LOCKED)
            RETURNING CASE WHEN NOT paused AND canceled_at_ms IS NULL THEN role END, assignee
            """, new { now = unit.Now }).Where(r => r.Role is not null).Select(r => new Wake(r.Role!, r.Assignee)).ToList();

    /// <summary>FOR UPDATE after the lease (if any) is locked: the lock order is lease, task, dependents.</summary>
    public TaskRow? Lock(string id) =>
        unit.Db.QuerySingleOrDefault<TaskRow>($"SELECT {TaskRow.Select} FROM tasks WHERE id = @id FOR UPDATE OF tasks", new { id });

    public TaskDetailsRows? Details(string id) =>
        Find(id) is { } task
            ? new TaskDetailsRows(task, unit.Runs.Latest(id), Reads.PostgresReads.DependenciesOf(unit.Db, id), Reads.PostgresReads.AssignmentsOf(unit.Db, id),
                unit.Pipelines.Definition(task.PipelineId)!,
                unit.Db.Query<string>("SELECT usage_json FROM runs WHERE task_id = @id ORDER BY attempt", new { id }).AsList())
            : null;

    public void Cancel(string id, string? reason) =>
        unit.Db.Execute("UPDATE tasks SET canceled_at_ms = @now, cancel_reason = @reason, updated_at_ms = @now WHERE id = @id",
            new { id, reason, now = unit.Now });

    public void Requeue(string id, long? attemptsResetAt) =>
        unit.Db.Execute("""
            UPDATE tasks SET dead_letter_reason = NULL, canceled_at_ms = NULL, cancel_reason = NULL, next_eligible_at_ms = 0,
                not_before_ms = 0, retry_wait = false, attempts_reset_at = COALESCE(@attemptsResetAt, attempts_reset_at), updated_at_ms = @now
            WHERE id = @id
            """, new { id, attemptsResetAt, now = unit.Now });

    public void SetPaused(string id, bool paused, string? reason) =>
        unit.Db.Execute("UPDATE tasks SET paused = @paused, pause_reason = @reason, updated_at_ms = @now WHERE id = @id",
            new { id, paused, reason = paused ? reason : null, now = unit.Now });

    /// <summary>retry_wait follows a new not-before time whether or not the task is leased: it is read once the lease ends.</summary>
    public void Edit(string id, TaskEdit edit) =>
        unit.Db.Execute("""
            UPDATE tasks SET title = COALESCE(@Title, title), description = COALESCE(@Description, description),
                priority = COALESCE(@Priority, priority), metadata_json = COALESCE(@MetadataJson, metadata_json),
                not_before_ms = COALESCE(@NotBeforeMs, not_before_ms),
                retry_wait = CASE WHEN @NotBeforeMs::bigint IS NULL THEN retry_wait
                                  ELSE dead_letter_reason IS NULL AND GREATEST(next_eligible_at_ms, @NotBeforeMs::bigint) > @now END,
                max_attempts = CASE WHEN @SetsMaxAttempts THEN @MaxAttempts::bigint ELSE max_attempts END,
                retry_delay_ms = COALESCE(@RetryDelayMs, retry_delay_ms),
                dead_letter_stage = CASE WHEN @SetsDeadLetterStage THEN @DeadLetterStage::text ELSE dead_letter_stage END,
                updated_at_ms = @now
            WHERE id = @id
            """, new
        {
            id, edit.Title, edit.Description, edit.Priority, edit.MetadataJson, edit.NotBeforeMs, now = unit.Now,
            SetsMaxAttempts = edit.RetryPolicy?.SetsMaxAttempts ?? false, edit.RetryPolicy?.MaxAttempts,
            edit.RetryPolicy?.RetryDelayMs, SetsDeadLetterStage = edit.RetryPolicy?.SetsDeadLetterStage ?? false,
            edit.RetryPolicy?.DeadLetterStage,
        });

    public IReadOnlyList<Wake> Delete(string id)
    {
        var task = Lock(id);
        if (task is null) return [];
        var unblocked = task.Terminal ? [] : UpstreamResolved(id);
        unit.Db.Execute("""
            DELETE FROM events WHERE task_id = @id;
            DELETE FROM artifacts WHERE task_id = @id OR run_id IN (SELECT id FROM runs WHERE task_id = @id);
            DELETE FROM leases WHERE task_id = @id;
            DELETE FROM runs WHERE task_id = @id;
            DELETE FROM task_dependencies WHERE task_id = @id OR depends_on_task_id = @id;
            DELETE FROM task_assignments WHERE task_id = @id;
            INSERT INTO stage_count_deltas (stage, delta) VALUES (@stage, -1);
            DELETE FROM tasks WHERE id = @id;
            """, new { id, stage = task.Stage });
        return unblocked;
    }
}
