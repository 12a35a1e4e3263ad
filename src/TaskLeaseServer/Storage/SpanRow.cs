namespace TaskLeaseServer.Storage;

/// <summary>An ingested span as stored in otlp_spans (raw_json and payloads stay in the database).</summary>
public sealed class SpanRow
{
    public const string Columns =
        "id, batch_id, trace_id, span_id, parent_span_id, name, kind, start_time_unix_nano, end_time_unix_nano, " +
        "status_code, status_message, attributes_json, resource_attributes_json, scope_name, scope_version, run_id, task_id";

    public long Id { get; set; }
    public long BatchId { get; set; }
    public string TraceId { get; set; } = "";
    public string SpanId { get; set; } = "";
    public string? ParentSpanId { get; set; }
    public string Name { get; set; } = "";
    public string? Kind { get; set; }
    public long? StartTimeUnixNano { get; set; }
    public long? EndTimeUnixNano { get; set; }
    public string? StatusCode { get; set; }
    public string? StatusMessage { get; set; }
    public string AttributesJson { get; set; } = "[]";
    public string ResourceAttributesJson { get; set; } = "[]";
    public string? ScopeName { get; set; }
    public string? ScopeVersion { get; set; }
    public string? RunId { get; set; }
    public string? TaskId { get; set; }
}
