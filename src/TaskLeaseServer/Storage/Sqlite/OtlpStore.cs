using Dapper;
using TaskLeaseServer.Domain.Otlp;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>One OTLP request as stored: its content type and either its JSON text or its bytes.</summary>
public sealed record OtlpBatch(string ContentType, string? PayloadJson, byte[]? PayloadBlob);

/// <summary>Filters of GET /spans; each given filter narrows the result, and paging is by span id.</summary>
public sealed record SpanFilter(string? RunId, string? TaskId, string? TraceId, long? AfterId, int Limit);

/// <summary>Ingested OTLP batches and their spans (CONTRACT §8.3), read back by run, task or trace.</summary>
public sealed class OtlpStore(SqliteDatabase database)
{
    /// <summary>Stores the batch and its spans in the caller's transaction; returns the batch id.</summary>
    public static long Ingest(WriteContext ctx, OtlpBatch batch, IReadOnlyList<OtlpSpan> spans)
    {
        var batchId = ctx.Db.ExecuteScalar<long>("""
            INSERT INTO otlp_batches (received_at_ms, content_type, payload_json, payload_blob, parsed_spans)
            VALUES (@now, @ContentType, @PayloadJson, @PayloadBlob, @count)
            RETURNING id
            """, new { now = ctx.Now, batch.ContentType, batch.PayloadJson, batch.PayloadBlob, count = spans.Count });
        if (spans.Count > 0)
        {
            ctx.Db.Execute("""
                INSERT INTO otlp_spans (batch_id, trace_id, span_id, parent_span_id, name, kind, start_time_unix_nano,
                  end_time_unix_nano, status_code, status_message, attributes_json, resource_attributes_json,
                  scope_name, scope_version, run_id, task_id, raw_json)
                VALUES (@BatchId, @TraceId, @SpanId, @ParentSpanId, @Name, @Kind, @StartTimeUnixNano,
                  @EndTimeUnixNano, @StatusCode, @StatusMessage, @AttributesJson, @ResourceAttributesJson,
                  @ScopeName, @ScopeVersion, @RunId, @TaskId, @RawJson)
                """, spans.Select(s => new SpanInsert(batchId, s)));
        }
        return batchId;
    }

    public (IReadOnlyList<SpanRow> Items, bool More) ListSpans(SpanFilter filter)
    {
        // Only the given filters go into the WHERE, so each query can use its own index.
        var where = new List<string> { "id > @after" };
        if (filter.RunId is not null) where.Add("run_id = @RunId");
        if (filter.TaskId is not null) where.Add("task_id = @TaskId");
        if (filter.TraceId is not null) where.Add("trace_id = @TraceId");
        using var db = database.OpenRead();
        var rows = db.Query<SpanRow>($"""
            SELECT {SpanRow.Columns} FROM otlp_spans
            WHERE {string.Join(" AND ", where)} ORDER BY id LIMIT @take
            """, new { filter.RunId, filter.TaskId, filter.TraceId, after = filter.AfterId ?? long.MinValue, take = filter.Limit + 1 }).AsList();
        var more = rows.Count > filter.Limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        return (rows, more);
    }

    /// <summary>
    /// One bounded step of retention: deletes up to <paramref name="maxSpans"/> spans of the oldest
    /// batches received before <paramref name="olderThanMs"/>, and those batches once they are empty.
    /// Returns how many rows went; call again until it returns 0.
    /// </summary>
    public static int Purge(WriteContext ctx, long olderThanMs, int maxBatches, int maxSpans)
    {
        var batchIds = ctx.Db.Query<long>("""
            SELECT id FROM otlp_batches WHERE received_at_ms < @olderThanMs ORDER BY received_at_ms LIMIT @maxBatches
            """, new { olderThanMs, maxBatches }).AsList();
        if (batchIds.Count == 0) return 0;
        var spans = ctx.Db.Execute("""
            DELETE FROM otlp_spans WHERE id IN (SELECT id FROM otlp_spans WHERE batch_id IN @batchIds LIMIT @maxSpans)
            """, new { batchIds, maxSpans });
        if (spans == maxSpans) return spans;
        return spans + ctx.Db.Execute("DELETE FROM otlp_batches WHERE id IN @batchIds", new { batchIds });
    }

    /// <summary>A span with its batch id, as the insert statement binds it.</summary>
    private sealed class SpanInsert(long batchId, OtlpSpan span)
    {
        public long BatchId { get; } = batchId;
        public string TraceId => span.TraceId;
        public string SpanId => span.SpanId;
        public string? ParentSpanId => span.ParentSpanId;
        public string Name => span.Name;
        public string? Kind => span.Kind;
        public long? StartTimeUnixNano => span.StartTimeUnixNano;
        public long? EndTimeUnixNano => span.EndTimeUnixNano;
        public string? StatusCode => span.StatusCode;
        public string? StatusMessage => span.StatusMessage;
        public string AttributesJson => span.AttributesJson;
        public string ResourceAttributesJson => span.ResourceAttributesJson;
        public string? ScopeName => span.ScopeName;
        public string? ScopeVersion => span.ScopeVersion;
        public string? RunId => span.RunId;
        public string? TaskId => span.TaskId;
        public string? RawJson => span.RawJson;
    }
}
