using Dapper;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Postgres.Reads;

internal sealed partial class PostgresReads
{
    public RowPage<EventRow> Events(string runId, long? afterId, int limit)
    {
        var rows = Read(db => db.Query<EventRow>("""
            SELECT id, run_id, ts_ms, kind, data_json FROM events
            WHERE run_id = @runId AND id > @after ORDER BY id LIMIT @take
            """, new { runId, after = afterId ?? long.MinValue, take = limit + 1 }).AsList());
        return RowPage<EventRow>.Of(rows, limit);
    }

    public bool IsRunToken(string runId, byte[] tokenHash)
    {
        var stored = Read(db => db.QuerySingleOrDefault<byte[]>("SELECT token_hash FROM runs WHERE id = @runId", new { runId }));
        return stored is not null && LeaseToken.Matches(tokenHash, stored);
    }

    public RowPage<ArtifactRow> Artifacts(ArtifactFilter filter)
    {
        var sql = (filter.TaskId, filter.RunId) switch
        {
            (null, null) => ArtifactsAll,
            (_, null) => ArtifactsOfTask,
            (null, _) => ArtifactsOfRun,
            _ => ArtifactsOfTaskAndRun,
        };
        var rows = Read(db => db.Query<ArtifactRow>(sql, new
        {
            filter.TaskId, filter.RunId, afterMs = filter.After?.CreatedAtMs ?? long.MinValue, afterId = filter.After?.Id ?? "",
            take = filter.Limit + 1,
        }).AsList());
        return RowPage<ArtifactRow>.Of(rows, filter.Limit);
    }

    private const string ArtifactColumns = "id, task_id, run_id, created_at_ms, kind, uri, sha256_hex, size_bytes, meta_json";
    private const string ArtifactsAll = $"""
        SELECT {ArtifactColumns} FROM artifacts WHERE (created_at_ms, id) > (@afterMs, @afterId) ORDER BY created_at_ms, id LIMIT @take
        """;
    private const string ArtifactsOfTask = $"""
        SELECT {ArtifactColumns} FROM artifacts WHERE task_id = @TaskId AND (created_at_ms, id) > (@afterMs, @afterId)
        ORDER BY created_at_ms, id LIMIT @take
        """;
    private const string ArtifactsOfRun = $"""
        SELECT {ArtifactColumns} FROM artifacts WHERE run_id = @RunId AND (created_at_ms, id) > (@afterMs, @afterId)
        ORDER BY created_at_ms, id LIMIT @take
        """;
    private const string ArtifactsOfTaskAndRun = $"""
        SELECT {ArtifactColumns} FROM artifacts WHERE task_id = @TaskId AND run_id = @RunId AND (created_at_ms, id) > (@afterMs, @afterId)
        ORDER BY created_at_ms, id LIMIT @take
        """;

    public RowPage<SpanRow> Spans(SpanFilter filter)
    {
        // Only the given filters go into the WHERE, so each query can use its own index.
        var where = new List<string> { "id > @after" };
        if (filter.RunId is not null) where.Add("run_id = @RunId");
        if (filter.TaskId is not null) where.Add("task_id = @TaskId");
        if (filter.TraceId is not null) where.Add("trace_id = @TraceId");
        var rows = Read(db => db.Query<SpanRow>($"""
            SELECT {SpanRow.Columns} FROM otlp_spans
            WHERE {string.Join(" AND ", where)} ORDER BY id LIMIT @take
            """, new { filter.RunId, filter.TaskId, filter.TraceId, after = filter.AfterId ?? long.MinValue, take = filter.Limit + 1 }).AsList());
        return RowPage<SpanRow>.Of(rows, filter.Limit);
    }
}
