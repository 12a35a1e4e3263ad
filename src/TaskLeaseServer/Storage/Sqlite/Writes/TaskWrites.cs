using Dapper;
using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite.Writes;

internal sealed class TaskWrites(SqliteWriteUnit unit) : ITaskWrites
{
    private readonly TaskInserts _inserts = new(unit);
    private SqliteCommand? _isTerminal;

    public TaskRow? Find(string id) =>
        unit.Db.QuerySingleOrDefault<TaskRow>($"SELECT {TaskRow.Select} FROM tasks WHERE id = @id", new { id });

    /// <summary>Prepared once and bound by hand: bulk creation asks this for every dependency.</summary>
    public bool? IsTerminal(string id)
    {
        if (_isTerminal is null)
        {
            _isTerminal = unit.Db.CreateCommand();
            _isTerminal.CommandText = "SELECT terminal FROM tasks WHERE id = $id";
            _isTerminal.Parameters.Add("$id", SqliteType.Text);
        }
        _isTerminal.Parameters[0].Value = id;
        return _isTerminal.ExecuteScalar() is long terminal ? terminal != 0 : null;
    }

    public void InsertMany(IReadOnlyList<TaskInsert> tasks) => _inserts.Run(tasks);

    public bool MoveStage(StageMove move) =>
        unit.Db.Execute(move.AfterSuccess ? MoveAfterSuccess : Move, new
        {
            move.TaskId, move.ExpectedVersion, move.Stage, move.Role, move.Terminal, now = unit.Now,
        }) == 1;

    private const string Move = """
        UPDATE tasks SET stage = @Stage, role = @Role, terminal = @Terminal, task_version = task_version + 1, updated_at_ms = @now
        WHERE id = @TaskId AND task_version = @ExpectedVersion
        """;

    private const string MoveAfterSuccess = """
        UPDATE tasks SET stage = @Stage, role = @Role, terminal = @Terminal, task_version = task_version + 1, updated_at_ms = @now,
            lease_id = NULL, dead_letter_reason = NULL, next_eligible_at_ms = 0, retry_wait = (not_before_ms > @now)
        WHERE id = @TaskId AND task_version = @ExpectedVersion
        """;

    public IReadOnlyList<Wake> UpstreamResolved(string upstreamId) =>
        unit.Db.Query<(long Blocked, string? Role, string? Assignee)>("""
            UPDATE tasks SET blocked_deps = blocked_deps - 1
            WHERE id IN (SELECT task_id FROM task_dependencies WHERE depends_on_task_id = @upstreamId)
            RETURNING blocked_deps, role, assignee
            """, new { upstreamId }).Where(t => t.Blocked == 0 && t.Role is not null).Select(t => new Wake(t.Role!, t.Assignee)).ToList();

    public void UpstreamReopened(string upstreamId) =>
        unit.Db.Execute("""
            UPDATE tasks SET blocked_deps = blocked_deps + 1
            WHERE id IN (SELECT task_id FROM task_dependencies WHERE depends_on_task_id = @upstreamId)
            """, new { upstreamId });

    public void ClearLease(string taskId, string leaseId) =>
        unit.Db.Execute("UPDATE tasks SET lease_id = NULL WHERE id = @taskId AND lease_id = @leaseId", new { taskId, leaseId });

    public void ScheduleRetry(string id, long nextEligibleAtMs, bool waiting) =>
        unit.Db.Execute("UPDATE tasks SET next_eligible_at_ms = @nextEligibleAtMs, retry_wait = @waiting, updated_at_ms = @now WHERE id = @id",
            new { id, nextEligibleAtMs, waiting, now = unit.Now });

    public void MarkDeadLetter(string id, string reason, long nextEligibleAtMs) =>
        unit.Db.Execute("""
            UPDATE tasks SET dead_letter_reason = @reason, next_eligible_at_ms = @nextEligibleAtMs, retry_wait = 0, updated_at_ms = @now
            WHERE id = @id
            """, new { id, reason, nextEligibleAtMs, now = unit.Now });

    public long? NextDueAtMs() =>
        unit.Db.ExecuteScalar<long?>(
            $"SELECT MIN({ClaimSql.EligibleAt}) FROM tasks INDEXED BY ix_tasks_retry_wait WHERE retry_wait = 1 AND paused = 0 AND canceled_at_ms IS NULL");

    public IReadOnlyList<Wake> PromoteDueRetries() =>
        unit.Db.Query<(string? Role, string? Assignee)>($"""
            UPDATE tasks SET retry_wait = 0 WHERE retry_wait = 1 AND {ClaimSql.EligibleAt} <= @now
            RETURNING CASE WHEN paused = 0 AND canceled_at_ms IS NULL THEN role END, assignee
            """, new { now = unit.Now }).Where(r => r.Role is not null).Select(r => new Wake(r.Role!, r.Assignee)).ToList();

    public TaskRow? Lock(string id) => Find(id);

    public TaskDetailsRows? Details(string id) =>
        Find(id) is { } task
            ? new TaskDetailsRows(task, unit.Runs.Latest(id), Reads.SqliteReads.DependenciesOf(unit.Db, id), Reads.SqliteReads.AssignmentsOf(unit.Db, id),
                unit.Pipelines.Definition(task.PipelineId)!,
                unit.Db.Query<string>("SELECT usage_json FROM runs WHERE task_id = @id ORDER BY attempt", new { id }).AsList())
            : null;

    public void Cancel(string id, string? reason) =>
        unit.Db.Execute("UPDATE tasks SET canceled_at_ms = @now, cancel_reason = @reason, updated_at_ms = @now WHERE id = @id",
            new { id, reason, now = unit.Now });

    public void Requeue(string id, long? attemptsResetAt) =>
        unit.Db.Execute("""
            UPDATE tasks SET dead_letter_reason = NULL, canceled_at_ms = NULL, cancel_reason = NULL, next_eligible_at_ms = 0,
                not_before_ms = 0, retry_wait = 0, attempts_reset_at = COALESCE(@attemptsResetAt, attempts_reset_at), updated_at_ms = @now
            WHERE id = @id
            """, new { id, attemptsResetAt, now = unit.Now });

    public void SetPaused(string id, bool paused, string? reason) =>
        unit.Db.Execute("UPDATE tasks SET paused = @paused, pause_reason = @reason, updated_at_ms = @now WHERE id = @id",
            new { id, paused, reason = paused ? reason : null, now = unit.Now });

    /// <summary>retry_wait follows a new not-before time whether or not the task is leased: it is read once the lease ends.</summary>
    public void Edit(string id, TaskEdit edit) =>
        unit.Db.Execute($"""
            UPDATE tasks SET title = COALESCE(@Title, title), description = COALESCE(@Description, description),
                priority = COALESCE(@Priority, priority), metadata_json = COALESCE(@MetadataJson, metadata_json),
                not_before_ms = COALESCE(@NotBeforeMs, not_before_ms),
                retry_wait = CASE WHEN @NotBeforeMs IS NULL THEN retry_wait
                                  ELSE dead_letter_reason IS NULL AND max(next_eligible_at_ms, @NotBeforeMs) > @now END,
                max_attempts = CASE WHEN @SetsMaxAttempts THEN @MaxAttempts ELSE max_attempts END,
                retry_delay_ms = COALESCE(@RetryDelayMs, retry_delay_ms),
                dead_letter_stage = CASE WHEN @SetsDeadLetterStage THEN @DeadLetterStage ELSE dead_letter_stage END,
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
        var task = Find(id);
        if (task is null) return [];
        var unblocked = task.Terminal ? [] : UpstreamResolved(id);
        unit.Db.Execute("""
            DELETE FROM events WHERE task_id = @id;
            DELETE FROM artifacts WHERE task_id = @id;
            DELETE FROM artifacts WHERE run_id IN (SELECT id FROM runs WHERE task_id = @id);
            DELETE FROM leases WHERE task_id = @id;
            DELETE FROM runs WHERE task_id = @id;
            DELETE FROM task_dependencies WHERE task_id = @id;
            DELETE FROM task_dependencies WHERE depends_on_task_id = @id;
            DELETE FROM task_assignments WHERE task_id = @id;
            UPDATE stage_counts SET count = count - 1 WHERE stage = @stage;
            DELETE FROM tasks WHERE id = @id;
            """, new { id, stage = task.Stage });
        return unblocked;
    }
}
