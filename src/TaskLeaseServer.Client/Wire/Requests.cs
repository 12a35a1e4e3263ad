using System.Text.Json;

namespace TaskLeaseServer.Client;

// What a client sends. Null properties are left out of the body, so the server's defaults apply.

public sealed record RetryPolicy(long? MaxAttempts = null, long? RetryDelayMs = null, string? DeadLetterStage = null);

public sealed record NewTask(string PipelineId, string Title, string Description = "")
{
    public long? Priority { get; init; }
    public object? Metadata { get; init; }
    public RetryPolicy? RetryPolicy { get; init; }
    public IReadOnlyList<string>? Dependencies { get; init; }
    public string? AssignedAgentId { get; init; }
    public string? AssignedBy { get; init; }
    /// <summary>Not claimable before this Unix-millisecond time (extension).</summary>
    public long? NotBeforeMs { get; init; }
    /// <summary>Created as a draft nobody claims until it is resumed (extension).</summary>
    public bool? Paused { get; init; }
}

public sealed record ClaimRequest(string AgentId, string AgentRole)
{
    public long? LeaseTtlMs { get; init; }
    /// <summary>Long-poll: wait up to this long (0..30000 ms) for a claimable task before answering "none".</summary>
    public int? WaitMs { get; init; }
    /// <summary>Stage name → the most tasks in a stage of that name leased at once (sent as concurrency.per_state; 0 or less is no limit).</summary>
    public IReadOnlyDictionary<string, int>? PerState { get; init; }
}

public sealed record TransitionRequest(string Trigger)
{
    public string? Instructions { get; init; }
    public object? Usage { get; init; }
    public string? ExpectedStage { get; init; }
    public long? ExpectedTaskVersion { get; init; }
}

public sealed record FailRequest(string Error)
{
    public object? Usage { get; init; }
    /// <summary>False dead-letters the task at once, whatever attempts remain (extension).</summary>
    public bool? Retryable { get; init; }
    public string? FailureKind { get; init; }
}

public sealed record NewArtifact(string Kind, string Uri)
{
    public string? TaskId { get; init; }
    public string? RunId { get; init; }
    public string? Sha256 { get; init; }
    public long? SizeBytes { get; init; }
    public object? Meta { get; init; }
}

public sealed record TaskQuery
{
    public string? PipelineId { get; init; }
    public string? Stage { get; init; }
    /// <summary>One or more derived statuses, comma-separated (extension).</summary>
    public string? Status { get; init; }
    public string? Role { get; init; }
    public string? AssignedAgentId { get; init; }
    /// <summary>Full-text over title and description (extension).</summary>
    public string? Q { get; init; }
    public long? PriorityMin { get; init; }
    public long? PriorityMax { get; init; }
    public long? CreatedAfterMs { get; init; }
    public long? CreatedBeforeMs { get; init; }
    public long? UpdatedAfterMs { get; init; }
    /// <summary>created (default), -created, priority or updated.</summary>
    public string? Sort { get; init; }
    public int? Limit { get; init; }
}

public sealed record StoreSearch(string Q)
{
    public string? Namespace { get; init; }
    public int? Limit { get; init; }
    public string? FilterPath { get; init; }
    public string? FilterValue { get; init; }
}
