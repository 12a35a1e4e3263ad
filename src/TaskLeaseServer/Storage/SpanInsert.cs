namespace TaskLeaseServer.Storage;

/// <summary>A span with its batch id, as every engine's insert statement binds it (by property name).</summary>
public sealed class SpanInsert(long batchId, OtlpSpan span)
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
