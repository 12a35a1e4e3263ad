namespace TaskLeaseServer.Domain;

/// <summary>What decides whether one task can be claimed now, as the engines' claim indexes encode it.</summary>
/// <param name="Role">the agent role of the task's current stage; null: no agent works that stage</param>
/// <param name="DeadLettered">the task ran out of attempts</param>
/// <param name="BlockedDeps">upstream tasks not yet in a terminal stage</param>
/// <param name="Leased">a lease is live on the task</param>
/// <param name="NextEligibleAtMs">the end of a retry delay</param>
/// <param name="Assignee">the task's active assignee, if any</param>
public sealed record ClaimState(string? Role, bool DeadLettered, long BlockedDeps, bool Leased, long NextEligibleAtMs,
    string? Assignee);

/// <summary>
/// The claimability rule, written once as a definition: a task is ready for an agent of a role when
/// its current stage belongs to that role, it is not dead-lettered, every upstream is finished, no
/// lease is live on it, its retry delay (if any) has passed, it is assigned to nobody or to this
/// agent, and its stage is not at the claim's per-stage limit. Among ready tasks the claim takes the
/// highest priority, then the oldest, then the first inserted. Engines keep these inputs in columns
/// and index exactly the ready rows; the storage fact suite checks that they agree with this.
/// </summary>
public static class ClaimRule
{
    public static bool IsReady(ClaimState task, string stage, string role, string agentId, long now,
        IReadOnlyCollection<string> fullStages) =>
        task.Role == role && !task.DeadLettered && task.BlockedDeps == 0 && !task.Leased &&
        task.NextEligibleAtMs <= now && (task.Assignee is null || task.Assignee == agentId) &&
        !fullStages.Contains(stage);
}
