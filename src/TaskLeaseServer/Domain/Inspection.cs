namespace TaskLeaseServer.Domain;

/// <summary>One rule that stops (or, for "assigned", narrows) the claim of a task, with its evidence.</summary>
/// <param name="Evidence">name → a string, a long, or a list of strings; written after code and message</param>
public sealed record InspectReason(string Code, string Message, IReadOnlyList<(string Name, object? Value)> Evidence);

public sealed record InspectResult(string Status, bool Claimable, IReadOnlyList<InspectReason> Reasons, string NextAction);

/// <summary>What inspect reads about a task, all from one snapshot; the lease fields are the lease the task row names, expired or not.</summary>
/// <param name="RolePaused">the stage's role is paused or draining (EXTENSIONS §9)</param>
/// <param name="StageLimit">the (pipeline, stage)'s max_concurrent (EXTENSIONS §12); null = no limit</param>
/// <param name="StageActive">live leases held in that (pipeline, stage), the task's own included</param>
public sealed record InspectFacts(string TaskId, string Stage, ClaimState State, string? PauseReason, string? CancelReason,
    string? DeadLetterReason, long FailedAttempts, string? LeaseId, string? LeaseAgentId, long? LeaseExpiresAtMs,
    IReadOnlyList<string> UnresolvedUpstreams, bool RolePaused = false, long? StageLimit = null, long StageActive = 0);

/// <summary>
/// GET /tasks/{id}/inspect (EXTENSIONS §10): every rule that keeps the task from being claimed, each
/// with its evidence, and one next step for a human. The verdict is <see cref="ClaimRule.IsReady"/>
/// itself, asked for the stage's role and the one agent that may claim it (its assignee, or any),
/// so it cannot disagree with the claim; the reasons are the same rule's terms, listed one by one.
/// </summary>
public static class Inspection
{
    public static InspectResult Of(InspectFacts f, long now)
    {
        var s = f.State;
        var reasons = new List<InspectReason>();
        if (s.Canceled) reasons.Add(new("canceled", "an operator canceled the task", [("reason", f.CancelReason)]));
        if (s.DeadLettered)
            reasons.Add(new("dead_lettered", $"the task ran out of attempts after {f.FailedAttempts} failures",
                [("reason", f.DeadLetterReason), ("failed_attempts", f.FailedAttempts)]));
        if (s.Role is null)
        {
            reasons.Add(s.Terminal
                ? new("done", $"the task is finished: stage \"{f.Stage}\" is terminal and no agent role works it", [("stage", f.Stage)])
                : new("no_role", $"stage \"{f.Stage}\" has no agent_role, so no agent claims tasks there", [("stage", f.Stage)]));
        }
        // A lease past its expiry still holds the task until the sweeper reaps it (and counts the
        // abandoned attempt), and the claim waits for that: inspect says so rather than "claimable".
        if (f.LeaseId is not null)
            reasons.Add(new("leased", s.Leased
                    ? $"agent \"{f.LeaseAgentId}\" holds a lease until {f.LeaseExpiresAtMs}"
                    : $"agent \"{f.LeaseAgentId}\"'s lease expired at {f.LeaseExpiresAtMs}; the sweeper reaps it within moments",
                [("lease_id", f.LeaseId), ("agent_id", f.LeaseAgentId), ("expires_at_ms", f.LeaseExpiresAtMs)]));
        if (s.Paused) reasons.Add(new("paused", "an operator paused the task", [("reason", f.PauseReason)]));
        if (f.RolePaused && s.Role is { } pausedRole)
            reasons.Add(new("role_paused", $"role \"{pausedRole}\" is paused (or draining): its claims find nothing", [("role", pausedRole)]));
        if (s.BlockedDeps > 0)
            reasons.Add(new("blocked", $"waiting for {f.UnresolvedUpstreams.Count} upstream task(s) to reach a terminal stage",
                [("task_ids", f.UnresolvedUpstreams)]));
        if (!s.DeadLettered && s.NextEligibleAtMs > now)
            reasons.Add(new("waiting", $"a retry delay runs until {s.NextEligibleAtMs}",
                [("until_ms", s.NextEligibleAtMs), ("cause", "retry_delay")]));
        if (s.NotBeforeMs > now)
            reasons.Add(new("waiting", $"not claimable before {s.NotBeforeMs} (not_before_ms)",
                [("until_ms", s.NotBeforeMs), ("cause", "not_before")]));
        if (StageFull(f))
            reasons.Add(new("stage_full", $"stage \"{f.Stage}\" already holds {f.StageActive} live lease(s), its max_concurrent is {f.StageLimit}",
                [("stage", f.Stage), ("limit", f.StageLimit), ("active", f.StageActive)]));
        if (s.Assignee is { } assignee)
            reasons.Add(new("assigned", $"only agent \"{assignee}\" can claim it", [("agent_id", assignee)]));

        // The claim's own terms: a paused role finds nothing, and a full stage is one the claim looks outside of.
        var claimable = s.Role is { } role && !f.RolePaused &&
            ClaimRule.IsReady(s with { Leased = f.LeaseId is not null }, f.Stage, role, s.Assignee ?? "", now, StageFull(f) ? [f.Stage] : []);
        return new InspectResult(TaskStatusRule.Of(s, now), claimable, reasons, NextAction(f, reasons, claimable));
    }

    /// <summary>
    /// Full when the leases held by other tasks reach the limit: the task's own live lease is not
    /// one a claim of it would compete with (and it is listed as "leased" already).
    /// </summary>
    private static bool StageFull(InspectFacts f) =>
        f.StageLimit is { } limit && f.StageActive - (f.State.Leased ? 1 : 0) >= limit;

    private static string NextAction(InspectFacts f, List<InspectReason> reasons, bool claimable)
    {
        var id = f.TaskId;
        if (claimable)
        {
            return f.State.Assignee is { } agent
                ? $"nothing: agent \"{agent}\" of role \"{f.State.Role}\" can claim it now"
                : $"nothing: any agent of role \"{f.State.Role}\" can claim it now with POST /leases/claim";
        }
        var first = reasons.First(r => r.Code != "assigned");
        return first.Code switch
        {
            "canceled" => $"requeue it with POST /tasks/{id}/requeue if the work is still wanted",
            "dead_lettered" => $"fix the cause, then requeue it with POST /tasks/{id}/requeue (its attempts start over)",
            "done" => $"nothing: it is finished; to run it again, POST /tasks/{id}/requeue with a \"stage\" that has an agent_role",
            "no_role" => $"move it to a stage with an agent_role: POST /tasks/{id}/requeue {{\"stage\": \"...\"}}",
            "leased" => $"wait for agent \"{f.LeaseAgentId}\" (its lease ends by {f.LeaseExpiresAtMs}), or give it to another agent with POST /tasks/{id}/requeue {{\"force\": true}}",
            "paused" => $"resume it with POST /tasks/{id}/resume",
            "blocked" => $"wait for task {string.Join(", ", f.UnresolvedUpstreams)}, or drop the edge with DELETE /tasks/{id}/dependencies/{{upstream_id}}",
            "waiting" => $"wait until {f.State.EligibleAtMs}, or requeue it now with POST /tasks/{id}/requeue",
            "role_paused" => $"resume the role with POST /ops/roles/{f.State.Role}/resume",
            "stage_full" => $"wait for one of the {f.StageActive} tasks leased in stage \"{f.Stage}\" to finish (max_concurrent {f.StageLimit})",
            _ => first.Message,
        };
    }
}
