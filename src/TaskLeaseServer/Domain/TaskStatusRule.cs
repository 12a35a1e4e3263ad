namespace TaskLeaseServer.Domain;

/// <summary>The derived task status of EXTENSIONS §1: the first rule that matches, in this order.</summary>
public static class TaskStatusRule
{
    public const string Canceled = "canceled";
    public const string DeadLettered = "dead_lettered";
    public const string Done = "done";
    public const string Leased = "leased";
    public const string Paused = "paused";
    public const string Blocked = "blocked";
    public const string Waiting = "waiting";
    public const string Unroutable = "unroutable";
    public const string Ready = "ready";

    /// <summary>Every status, in the order the rules are tried (GET /tasks?status= accepts these).</summary>
    public static readonly IReadOnlyList<string> All =
        [Canceled, DeadLettered, Done, Leased, Paused, Blocked, Waiting, Unroutable, Ready];

    public static string Of(ClaimState task, long now)
    {
        if (task.Canceled) return Canceled;
        if (task.DeadLettered) return DeadLettered;
        if (task.Terminal && task.Role is null) return Done;
        if (task.Leased) return Leased;
        if (task.Paused) return Paused;
        if (task.BlockedDeps > 0) return Blocked;
        if (task.EligibleAtMs > now) return Waiting;
        if (task.Role is null) return Unroutable;
        return Ready;
    }
}
