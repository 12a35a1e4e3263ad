using Dapper;

namespace TaskLeaseServer.Storage.Sqlite.Writes;

internal sealed class RunWrites(SqliteWriteUnit unit) : IRunWrites
{
    public RunRow? Find(string runId) =>
        unit.Db.QuerySingleOrDefault<RunRow>($"SELECT {RunRow.Columns} FROM runs WHERE id = @runId", new { runId });

    public long AppendEvent(string runId, string kind, string dataJson) =>
        Insert($"""
            INSERT INTO events (run_id, task_id, ts_ms, kind, data_json)
            VALUES (@runId, (SELECT task_id FROM runs WHERE id = @runId), @now, @kind, @dataJson) {EventSql.Returning}
            """, new { runId, now = unit.Now, kind, dataJson })!.Value;

    public long? AppendAsHolder(LeaseFence fence, string runId, string kind, string dataJson) =>
        Insert($"""
            INSERT INTO events (run_id, task_id, ts_ms, kind, data_json)
            SELECT @runId, task_id, @now, @kind, @dataJson
            FROM leases WHERE id = @LeaseId AND token_hash = @TokenHash AND expires_at_ms > @now
            {EventSql.Returning}
            """, new { runId, now = unit.Now, kind, dataJson, fence.LeaseId, fence.TokenHash });

    public long AppendTaskEvent(string taskId, string kind, string dataJson) =>
        Insert($"INSERT INTO events (run_id, task_id, ts_ms, kind, data_json) VALUES (NULL, @taskId, @now, @kind, @dataJson) {EventSql.Returning}",
            new { taskId, now = unit.Now, kind, dataJson })!.Value;

    /// <summary>An event insert; what it appended goes into the unit's commit notice.</summary>
    private long? Insert(string sql, object args)
    {
        if (unit.Db.QuerySingleOrDefault<AppendedEvent>(sql, args) is not { } appended) return null;
        unit.Notice.EventAppended(appended.Key);
        return appended.Id;
    }

    public RunRow? Latest(string taskId) =>
        unit.Db.QuerySingleOrDefault<RunRow>(
            $"SELECT {RunRow.Columns} FROM runs WHERE task_id = @taskId ORDER BY attempt DESC LIMIT 1", new { taskId });

    public void End(string runId, RunEnd end) =>
        unit.Db.Execute("""
            UPDATE runs SET status = @Status, ended_at_ms = @now, failure = @Failure,
                error_text = COALESCE(@ErrorText, error_text), usage_json = COALESCE(@UsageJson, usage_json),
                failure_kind = COALESCE(@FailureKind, failure_kind)
            WHERE id = @runId
            """, new { runId, end.Status, now = unit.Now, end.Failure, end.ErrorText, end.UsageJson, end.FailureKind });

    public long FailedAttempts(string taskId) =>
        unit.Db.ExecuteScalar<long>("""
            SELECT COUNT(*) FROM runs
            WHERE task_id = @taskId AND failure = 1 AND attempt > (SELECT attempts_reset_at FROM tasks WHERE id = @taskId)
            """, new { taskId });
}
