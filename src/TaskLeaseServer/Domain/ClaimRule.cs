namespace TaskLeaseServer.Domain;

/// <summary>What decides whether one task can be claimed now, and which status it shows (<see cref="TaskStatusRule"/>).</summary>
/// <param name="Role">the agent role of the task's current stage; null: no agent works that stage</param>
/// <param name="DeadLettered">the task ran out of attempts</param>
/// <param name="BlockedDeps">upstream tasks not yet in a terminal stage</param>
/// <param name="Leased">a lease is live (unexpired) on the task</param>
/// <param name="NextEligibleAtMs">the end of a retry delay</param>
/// <param name="Assignee">the task's active assignee, if any</param>
/// <param name="Paused">an operator paused the task (or created it paused)</param>
/// <param name="Canceled">an operator canceled the task</param>
/// <param name="NotBeforeMs">the earliest claim time set at creation or by PATCH; 0 = none</param>
/// <param name="Terminal">the current stage is terminal</param>
public sealed record ClaimState(string? Role, bool DeadLettered, long BlockedDeps, bool Leased, long NextEligibleAtMs,
    string? Assignee, bool Paused = false, bool Canceled = false, long NotBeforeMs = 0, bool Terminal = false)
{
    /// <summary>When the task's time gates (retry delay, not-before) both lie behind it.</summary>
    public long EligibleAtMs => Math.Max(NextEligibleAtMs, NotBeforeMs);
}

/// <summary>
/// The claimability rule, written once as a definition: a task is ready for an agent of a role when
/// its current stage belongs to that role, it is not dead-lettered, canceled or paused, every
/// upstream is finished, no lease is live on it, its retry delay and not-before time (if any) have
/// passed, it is assigned to nobody or to this agent, and its stage is not at the claim's per-stage
/// limit. Among ready tasks the claim takes the highest priority, then the oldest, then the first
/// inserted. Engines keep these inputs in columns and index exactly the ready rows; the storage
/// fact suite checks that they agree with this.
/// </summary>
public static class ClaimRule
{
    public static bool IsReady(ClaimState task, string stage, string role, string agentId, long now,
        IReadOnlyCollection<string> fullStages) =>
        task.Role == role && !task.DeadLettered && !task.Canceled && !task.Paused && task.BlockedDeps == 0 &&
        !task.Leased && task.EligibleAtMs <= now && (task.Assignee is null || task.Assignee == agentId) &&
        !fullStages.Contains(stage);

    /// <summary>
    /// Whether a time gate alone keeps the task out of the claim now: what the engines' retry_wait
    /// flag records at write time (the sweeper clears it once the gate has passed).
    /// </summary>
    public static bool Waiting(long eligibleAtMs, long now) => eligibleAtMs > now;
}
