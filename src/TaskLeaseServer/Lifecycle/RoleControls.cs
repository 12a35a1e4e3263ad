using TaskLeaseServer.Domain;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Lifecycle;

/// <summary>
/// Pausing and resuming roles (EXTENSIONS §9). A pause stops claims for the role from the commit
/// on, on every node (the claim reads it in its own unit); leases already held run on. A resume
/// raises the role's claim signal so waiting claims look again at once. Each change writes a
/// role_paused / role_resumed event with the actor; a pause of a paused role (or a resume of a
/// running one) changes nothing and writes none.
/// </summary>
public static class RoleControls
{
    /// <summary>Fault when the role is named by no pipeline and has no stored control: a typo, most likely.</summary>
    public static void RequireKnown(IWriteUnit unit, string role)
    {
        var known = unit.Roles.Known();
        if (!known.Contains(role, StringComparer.Ordinal))
            throw new DomainError(Fault.RoleNotFound,
                $"no pipeline names the role \"{role}\"; known roles: {(known.Count == 0 ? "none" : string.Join(", ", known))}");
    }

    public static void Pause(IWriteUnit unit, string role, string? reason, bool drain, string actor)
    {
        if (unit.Roles.Set(role, paused: true, drain, reason, actor))
            unit.Roles.AppendEvent(role, ServerEvents.RolePaused, ServerEvents.RoleControlData(actor, reason, drain));
    }

    public static void Resume(IWriteUnit unit, string role, string actor)
    {
        if (!unit.Roles.Set(role, paused: false, drain: false, null, actor)) return;
        unit.Roles.AppendEvent(role, ServerEvents.RoleResumed, ServerEvents.RoleControlData(actor, null, false));
        unit.Claimable(role);
    }
}
