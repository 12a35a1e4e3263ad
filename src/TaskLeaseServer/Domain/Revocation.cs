namespace TaskLeaseServer.Domain;

/// <summary>
/// Why an operator took a lease away, and what its holder is told (410 lease_revoked, EXTENSIONS §7):
/// the message says what happened to the task, so an agent that stops on 410 expired stops here too.
/// </summary>
public static class Revocation
{
    public const string Canceled = "canceled";
    public const string Requeued = "requeued";
    public const string Paused = "paused";
    public const string Deleted = "deleted";

    /// <summary>The run status a revoked run ends with: "canceled" for a cancel, "revoked" otherwise; never a failure.</summary>
    public static string RunStatus(string reason) => reason == Canceled ? "canceled" : "revoked";

    public static DomainError Error(string reason, string actor) => new(Fault.LeaseRevoked, reason switch
    {
        Canceled => $"the lease was revoked: the task was canceled by an operator ({actor}); stop working on it",
        Requeued => $"the lease was revoked: an operator ({actor}) requeued the task to give it to another agent; stop working on it",
        Paused => $"the lease was revoked: an operator ({actor}) paused the task; stop working on it",
        Deleted => $"the lease was revoked: the task was deleted by an operator ({actor}); stop working on it",
        _ => $"the lease was revoked by an operator ({actor}); stop working on it",
    });
}
