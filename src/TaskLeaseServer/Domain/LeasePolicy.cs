namespace TaskLeaseServer.Domain;

/// <summary>
/// How long leases last and what a presented token must satisfy. A claim's TTL is clamped to
/// [1 s, 1 day] (300 s when the claim names none); a heartbeat extends by the TTL the lease was
/// granted with, or by the heartbeat's own TTL when it names one, and never shortens the lease.
/// </summary>
public static class LeasePolicy
{
    public static long ClaimTtl(long? requestedMs) => Limits.LeaseTtl(requestedMs);

    /// <summary>The expiry after a heartbeat at <paramref name="now"/>.</summary>
    /// <param name="grantedTtlMs">the TTL the claim was granted (already clamped)</param>
    /// <param name="requestedTtlMs">the heartbeat's own lease_ttl_ms, if it sent one</param>
    public static long HeartbeatExpiry(long currentExpiresAtMs, long grantedTtlMs, long? requestedTtlMs, long now)
    {
        var ttl = requestedTtlMs is { } requested ? Limits.LeaseTtl(requested) : grantedTtlMs;
        return Math.Max(currentExpiresAtMs, Limits.AddSaturating(now, ttl));
    }

    /// <summary>
    /// The checks of a lease holder's write, in the contract's order: the token first (401), then
    /// the expiry (410). A lease that does not exist is the caller's 404, before either.
    /// </summary>
    public static void Check(byte[] storedHash, long expiresAtMs, byte[] presentedHash, long now)
    {
        if (!LeaseToken.Matches(presentedHash, storedHash)) throw new DomainError(Fault.LeaseTokenMismatch, "token does not match");
        if (expiresAtMs <= now) throw Expired();
    }

    public static DomainError Expired() => new(Fault.LeaseExpired, "lease has expired; claim the task again");
}
