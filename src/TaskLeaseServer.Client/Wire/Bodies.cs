using System.Text.Json.Serialization;

namespace TaskLeaseServer.Client;

// The bodies of the routes whose methods take plain parameters. Kept as records (not anonymous
// objects) so WireAgreementFacts can hold each against its schema in /openapi.json.

internal sealed record PipelineBody(string Name, object Definition);
internal sealed record BulkTasksBody(IReadOnlyList<NewTask> Tasks);
internal sealed record DependencyBody(string DependsOnTaskId);
internal sealed record AssignmentBody(string AgentId, string? AssignedBy);
internal sealed record HeartbeatBody(long? LeaseTtlMs);
internal sealed record EventBody(string Kind, object? Data);
internal sealed record StorePutBody(object? Value)
{
    // The store keeps a null value as JSON null: never leave "value" out.
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Value { get; init; } = Value;
}
internal sealed record CancelBody(string? Reason, string? Stage);
internal sealed record RequeueBody(string? Stage, bool? ResetAttempts, bool? Force, string? Reason);
internal sealed record PauseBody(string? Reason, bool? RevokeLease);
internal sealed record RolePauseBody(string? Reason);
internal sealed record DrainBody(long? TimeoutMs, string? Reason);
internal sealed record KeyBody(string Name, IReadOnlyList<string> Scopes, long? ExpiresAtMs);
internal sealed record ClaimBody(string AgentId, string AgentRole, long? LeaseTtlMs, long? WaitMs, LeaseConcurrency? Concurrency);
internal sealed record LeaseConcurrency(IReadOnlyDictionary<string, int>? PerState);
