namespace TaskLeaseServer.Storage;

/// <summary>
/// One ingested span, whichever encoding it came in (CONTRACT §8.3 "Span row"). Attributes are
/// OTLP-JSON KeyValue arrays in text form; <see cref="RunId"/> and <see cref="TaskId"/> link the span
/// to the server's runs and tasks; <see cref="RawJson"/> is the span as received in JSON mode (a
/// protobuf span has none: its bytes stay in the batch blob).
/// </summary>
public sealed record OtlpSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string? Kind,
    long? StartTimeUnixNano,
    long? EndTimeUnixNano,
    string? StatusCode,
    string? StatusMessage,
    string AttributesJson,
    string ResourceAttributesJson,
    string? ScopeName,
    string? ScopeVersion,
    string? RunId,
    string? TaskId,
    string? RawJson)
{
    /// <summary>The name stored for a span that has none (CONTRACT §8.3).</summary>
    public const string Unnamed = "unnamed";

    /// <summary>The attribute keys that link a span to a run and a task (CONTRACT §8.3 "Linking").</summary>
    public const string RunIdKey = "nulltickets.run_id";
    public const string TaskIdKey = "nulltickets.task_id";

    /// <summary>Characters this span puts into the database, for the per-request budget.</summary>
    public long StoredChars =>
        (long)TraceId.Length + SpanId.Length + (ParentSpanId?.Length ?? 0) + Name.Length + (Kind?.Length ?? 0) +
        (StatusCode?.Length ?? 0) + (StatusMessage?.Length ?? 0) + AttributesJson.Length + ResourceAttributesJson.Length +
        (ScopeName?.Length ?? 0) + (ScopeVersion?.Length ?? 0) + (RunId?.Length ?? 0) + (TaskId?.Length ?? 0) + (RawJson?.Length ?? 0);
}
