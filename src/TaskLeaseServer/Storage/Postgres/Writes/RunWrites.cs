using Dapper;

namespace TaskLeaseServer.Storage.Postgres.Writes;

internal sealed class RunWrites(PostgresWriteUnit unit) : IRunWrites
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

    public RunRow? Latest(string taskId) =>
        unit.Db.QuerySingleOrDefault<RunRow>(
            $"SELECT {RunRow.Columns} FROM runs WHERE task_id = @taskId ORDER BY attempt DESC LIMIT 1", new { taskId });

    /// <summary>
    /// An event insert. The transaction takes its id before its first event id: the event horizon
    /// (PostgresEventHorizon) treats a missing event id as in flight only while a transaction that
    /// held an id when the gap was seen may still commit, and a transaction without one is invisible.
    /// What it appended goes into the unit's commit notice.
    /// </summary>
    private long? Insert(string sql, object args)
    {
        AppendedEvent? appended;
        if (unit.HasTransactionId) appended = unit.Db.QuerySingleOrDefault<AppendedEvent>(sql, args);
        else
        {
            using var results = unit.Db.QueryMultiple("SELECT pg_current_xact_id()::text;\n" + sql, args);
            results.Read<string>();
            unit.HasTransactionId = true;
            appended = results.ReadSingleOrDefault<AppendedEvent>();
        }
        if (appended is null) return null;
        unit.Notice.EventAppended(appended.Key);
        return appended.Id;
    }

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
            WHERE task_id = @taskId AND failure AND attempt > (SELECT attempts_reset_at FROM tasks WHERE id = @taskId)
            """, new { taskId });
}
