using System.Text.Json;

namespace TaskLeaseServer.Client;

// Answers of the operator routes (extensions §7–§13).

/// <summary>Why a task is or is not claimable, with the evidence of every rule that stops it.</summary>
public sealed record Inspection(string TaskId, string Status, bool Claimable, IReadOnlyList<InspectReason> Reasons, string? NextAction);

/// <summary>One reason: <c>code</c> (no_role, done, dead_lettered, canceled, paused, role_paused, waiting, leased, blocked, assigned, stage_full), its message, and its evidence fields.</summary>
public sealed record InspectReason(string Code, string Message)
{
    [System.Text.Json.Serialization.JsonExtensionData]
    public Dictionary<string, JsonElement>? Evidence { get; init; }
}

public sealed record RoleState(string Role, bool Paused, bool Draining, string? PauseReason, long ClaimableCount, long ActiveLeases, long WaitingClaims);
internal sealed record RoleList(IReadOnlyList<RoleState> Items);

public sealed record RolePauseResult(string Role, bool Paused);
public sealed record AllRolesPauseResult(IReadOnlyList<string> Roles, bool Paused);
public sealed record DrainResult(string Role, long RemainingLeases, bool TimedOut);
public sealed record AllRolesDrainResult(IReadOnlyList<string> Roles, long RemainingLeases, bool TimedOut);

/// <summary>A server event that belongs to no task: a role paused or resumed (GET /ops/events).</summary>
public sealed record OpsEvent(long Id, long TsMs, string Kind, string? Role, JsonElement Data);

public sealed record BulkItem(string Id, bool Ok)
{
    public BulkError? Error { get; init; }
}
public sealed record BulkError(string Code, string Message);
public sealed record BulkResult(IReadOnlyList<BulkItem> Items, long Matched);

/// <summary>
/// What a bulk action touches (<see cref="Ids"/>, or every task <see cref="Filter"/> matches up to
/// <see cref="Limit"/>) and the single action's own fields: Reason and Stage (cancel, requeue, pause),
/// ResetAttempts and Force (requeue; Force also for delete), RevokeLease (pause).
/// </summary>
public sealed record BulkAction
{
    public IReadOnlyList<string>? Ids { get; init; }
    public TaskFilter? Filter { get; init; }
    public long? Limit { get; init; }
    public string? Reason { get; init; }
    public string? Stage { get; init; }
    public bool? ResetAttempts { get; init; }
    public bool? Force { get; init; }
    public bool? RevokeLease { get; init; }
    /// <summary>Answer only how many tasks match (<c>matched</c>, no items), changing nothing.</summary>
    public bool? DryRun { get; init; }

    public static BulkAction ForIds(params string[] ids) => new() { Ids = ids };
    public static BulkAction Matching(TaskFilter filter, long? limit = null) => new() { Filter = filter, Limit = limit };
}

/// <summary>Which tasks a bulk action touches when it is not given ids.</summary>
public sealed record TaskFilter
{
    public string? PipelineId { get; init; }
    public string? Stage { get; init; }
    public string? Status { get; init; }
    public string? Role { get; init; }
}

/// <summary>A scoped API key; <see cref="Key"/> is set only in the answer that created it.</summary>
public sealed record ApiKey(string Id, string Name, IReadOnlyList<string> Scopes, long CreatedAtMs, long? ExpiresAtMs)
{
    public string? Key { get; init; }
    public long? LastUsedAtMs { get; init; }
}

public sealed record TaskPatch
{
    public string? Title { get; init; }
    public string? Description { get; init; }
    public long? Priority { get; init; }
    public object? Metadata { get; init; }
    public RetryPolicy? RetryPolicy { get; init; }
    public long? NotBeforeMs { get; init; }
    public long? ExpectedTaskVersion { get; init; }
}
