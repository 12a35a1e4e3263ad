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
}
