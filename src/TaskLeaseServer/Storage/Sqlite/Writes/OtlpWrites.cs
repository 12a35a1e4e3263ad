using Dapper;

namespace TaskLeaseServer.Storage.Sqlite.Writes;

/// <summary>Ingested OTLP batches and their spans, and their bounded retention.</summary>
internal sealed class OtlpWrites(SqliteWriteUnit unit) : IOtlpWrites
{
    public long Ingest(OtlpBatch batch, IReadOnlyList<OtlpSpan> spans)
    {
        var batchId = unit.Db.ExecuteScalar<long>("""
            INSERT INTO otlp_batches (received_at_ms, content_type, payload_json, payload_blob, parsed_spans)
            VALUES (@now, @ContentType, @PayloadJson, @PayloadBlob, @count)
            RETURNING id
            """, new { now = unit.Now, batch.ContentType, batch.PayloadJson, batch.PayloadBlob, count = spans.Count });
        if (spans.Count > 0)
        {
            unit.Db.Execute("""
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

    /// <summary>
    /// Deletes up to <paramref name="maxSpans"/> spans of the oldest batches received before
    /// <paramref name="olderThanMs"/>, and those batches once they are empty.
    /// </summary>
    public int Purge(long olderThanMs, int maxBatches, int maxSpans)
    {
        var batchIds = unit.Db.Query<long>("""
            SELECT id FROM otlp_batches WHERE received_at_ms < @olderThanMs ORDER BY received_at_ms LIMIT @maxBatches
            """, new { olderThanMs, maxBatches }).AsList();
        if (batchIds.Count == 0) return 0;
        var spans = unit.Db.Execute("""
            DELETE FROM otlp_spans WHERE id IN (SELECT id FROM otlp_spans WHERE batch_id IN @batchIds LIMIT @maxSpans)
            """, new { batchIds, maxSpans });
        if (spans == maxSpans) return spans;
        return spans + unit.Db.Execute("DELETE FROM otlp_batches WHERE id IN @batchIds", new { batchIds });
    }
}
