using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Lifecycle;

/// <summary>
/// The sweeper's unit: reap expired leases (run → stale, a lease_expired event, the retry policy
/// applied as for a failure) and make tasks whose retry delay has passed ready again. Each reap is
/// fenced on the lease still being expired, so a heartbeat that won the race, or a second sweeper,
/// is never overridden.
/// </summary>
public static class Sweep
{
    /// <returns>how many expired leases were looked at (the caller repeats while it equals <paramref name="max"/>)</returns>
    public static int Once(IWriteUnit unit, int max)
    {
        var expired = unit.Leases.Expired(max);
        foreach (var lease in expired)
        {
            if (!unit.Leases.Reap(lease)) continue;
            unit.Runs.End(lease.RunId, new RunEnd("stale", Failure: true, FailureKind: Retries.LeaseExpired));
            unit.Tasks.ClearLease(lease.TaskId, lease.Id);
            unit.Runs.AppendEvent(lease.RunId, ServerEvents.LeaseExpired,
                ServerEvents.LeaseEndedData(lease.Id, lease.AgentId, lease.ExpiresAtMs));
            Retries.AfterFailedAttempt(unit, lease.TaskId, lease.RunId, Retries.LeaseExpired);
        }
        PromoteDue(unit);
        return expired.Count;
    }

    /// <summary>Tasks whose retry delay has passed become ready again, each waking one waiter (the due-time timer's unit).</summary>
    public static void PromoteDue(IWriteUnit unit)
    {
        foreach (var due in unit.Tasks.PromoteDueRetries()) unit.Claimable(due.Role, due.Assignee);
    }
}
