using System.Text.Json;

namespace TaskLeaseServer.Client;

public sealed partial class TaskLeaseClient
{
    /// <summary>
    /// Claims the best claimable task for the role, or returns null when there is none (204). With
    /// <see cref="ClaimRequest.WaitMs"/> the server holds the request until a task becomes claimable.
    /// A retried claim carries the same Idempotency-Key, so a lost answer yields the same lease, not a second one.
    /// </summary>
    [WireRoute("POST /leases/claim")]
    public async Task<Claim?> ClaimAsync(ClaimRequest request, CancellationToken ct = default)
    {
        var body = new ClaimBody(request.AgentId, request.AgentRole, request.LeaseTtlMs, request.WaitMs,
            request.PerState is null ? null : new LeaseConcurrency(request.PerState));
        var (status, bytes) = await _transport.SendAsync(HttpMethod.Post, "/leases/claim", body, null, false, ct).ConfigureAwait(false);
        return IsNoContent(status) ? null : JsonSerializer.Deserialize<Claim>(bytes, WireJson.Options);
    }

    /// <summary>Extends the lease; the new expiry is never earlier than the current one.</summary>
    [WireRoute("POST /leases/{id}/heartbeat")]
    public Task<Heartbeat> HeartbeatAsync(string leaseId, string leaseToken, long? leaseTtlMs = null, CancellationToken ct = default) =>
        _transport.SendAsync<Heartbeat>(HttpMethod.Post, $"/leases/{E(leaseId)}/heartbeat",
            new HeartbeatBody(leaseTtlMs), ct, leaseToken, leaseRoute: true);

    /// <summary>Gives the task back without counting an attempt: it is claimable again at once.</summary>
    [WireRoute("POST /leases/{id}/release")]
    public Task ReleaseAsync(string leaseId, string leaseToken, CancellationToken ct = default) =>
        _transport.SendAsync<StatusBody>(HttpMethod.Post, $"/leases/{E(leaseId)}/release", Empty, ct, leaseToken, leaseRoute: true);
}
