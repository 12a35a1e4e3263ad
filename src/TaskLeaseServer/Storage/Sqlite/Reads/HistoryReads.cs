using Dapper;

namespace TaskLeaseServer.Storage.Sqlite.Reads;

// Run history and the event feed's reads (EXTENSIONS §5, §6).
internal sealed partial class SqliteReads
{
    public RowPage<EventRow> EventsFor(EventFilter filter, long afterId, long upToId, int limit)
    {
        using var db = Open();
        var rows = db.Query<EventRow>(EventSql.For(filter, "e.kind IN @Kinds"), new
        {
            filter.RunId, filter.TaskId, filter.PipelineId, filter.Role, filter.Kinds, after = afterId, upTo = upToId, take = limit + 1,
        }).AsList();
        return RowPage<EventRow>.Of(rows, limit);
    }

    public RunDetailsRow? Run(string runId)
    {
        using var db = Open();
        return db.QuerySingleOrDefault<RunDetailsRow>(
            $"SELECT {RunDetailsRow.Columns} FROM runs r LEFT JOIN leases l ON l.run_id = r.id WHERE r.id = @runId", new { runId });
    }

    public RowPage<RunDetailsRow>? TaskRuns(string taskId, long? afterAttempt, int limit)
    {
        using var db = Open();
        using var snapshot = ReadSnapshot.Begin(db);
        if (db.ExecuteScalar<long?>("SELECT 1 FROM tasks WHERE id = @taskId", new { taskId }) is null) return null;
        var rows = db.Query<RunDetailsRow>($"""
            SELECT {RunDetailsRow.Columns} FROM runs r LEFT JOIN leases l ON l.run_id = r.id
            WHERE r.task_id = @taskId AND r.attempt > @after ORDER BY r.attempt LIMIT @take
            """, new { taskId, after = afterAttempt ?? long.MinValue, take = limit + 1 }).AsList();
        return RowPage<RunDetailsRow>.Of(rows, limit);
    }

    public bool TaskExists(string taskId)
    {
        using var db = Open();
        return db.ExecuteScalar<long?>("SELECT 1 FROM tasks WHERE id = @taskId", new { taskId }) is not null;
    }
}
