namespace TaskLeaseServer.Client;

// The operator surface (extensions §7–§10, §13): actions on one task, bulk actions, role controls,
// inspect, keys. Every answer that is a task is the GET /tasks/{id} shape.
public sealed partial class TaskLeaseClient
{
    /// <summary>Cancels the task; a live lease is revoked (its holder gets 410 lease_revoked). With a terminal <paramref name="stage"/> its dependents resolve.</summary>
    [WireRoute("POST /tasks/{id}/cancel")]
    public Task<TaskDetails> CancelTaskAsync(string id, string? reason = null, string? stage = null, CancellationToken ct = default) =>
        Post<TaskDetails>($"/tasks/{E(id)}/cancel", new CancelBody(reason, stage), ct);

    /// <summary>Brings a dead-lettered, canceled, waiting or ready task back into work now; <paramref name="force"/> takes it from a live holder.</summary>
    [WireRoute("POST /tasks/{id}/requeue")]
    public Task<TaskDetails> RequeueTaskAsync(string id, string? stage = null, bool? resetAttempts = null, bool? force = null,
        string? reason = null, CancellationToken ct = default) =>
        Post<TaskDetails>($"/tasks/{E(id)}/requeue", new RequeueBody(stage, resetAttempts, force, reason), ct);

    [WireRoute("POST /tasks/{id}/pause")]
    public Task<TaskDetails> PauseTaskAsync(string id, string? reason = null, bool? revokeLease = null, CancellationToken ct = default) =>
        Post<TaskDetails>($"/tasks/{E(id)}/pause", new PauseBody(reason, revokeLease), ct);

    [WireRoute("POST /tasks/{id}/resume")]
    public Task<TaskDetails> ResumeTaskAsync(string id, CancellationToken ct = default) => Post<TaskDetails>($"/tasks/{E(id)}/resume", null, ct);

    [WireRoute("PATCH /tasks/{id}")]
    public Task<TaskDetails> PatchTaskAsync(string id, TaskPatch patch, CancellationToken ct = default) =>
        _transport.SendAsync<TaskDetails>(HttpMethod.Patch, "/tasks/" + E(id), patch, ct);

    [WireRoute("DELETE /tasks/{id}")]
    public Task DeleteTaskAsync(string id, bool force = false, CancellationToken ct = default) =>
        Send(HttpMethod.Delete, "/tasks/" + E(id) + (force ? "?force=true" : ""), null, ct);

    [WireRoute("DELETE /tasks/{id}/dependencies/{upstream_id}")]
    public Task RemoveDependencyAsync(string taskId, string upstreamId, CancellationToken ct = default) =>
        Send(HttpMethod.Delete, $"/tasks/{E(taskId)}/dependencies/{E(upstreamId)}", null, ct);

    [WireRoute("GET /tasks/{id}/inspect")]
    public Task<Inspection> InspectTaskAsync(string id, CancellationToken ct = default) => Get<Inspection>($"/tasks/{E(id)}/inspect", ct);

    // Bulk actions: each touches the given ids or every task the filter matches (up to the limit);
    // each task succeeds or fails alone, and DryRun only reports what would happen.

    [WireRoute("POST /tasks/bulk/cancel")]
    public Task<BulkResult> BulkCancelAsync(BulkAction action, CancellationToken ct = default) => Bulk("cancel", action, ct);

    [WireRoute("POST /tasks/bulk/requeue")]
    public Task<BulkResult> BulkRequeueAsync(BulkAction action, CancellationToken ct = default) => Bulk("requeue", action, ct);

    [WireRoute("POST /tasks/bulk/pause")]
    public Task<BulkResult> BulkPauseAsync(BulkAction action, CancellationToken ct = default) => Bulk("pause", action, ct);

    [WireRoute("POST /tasks/bulk/resume")]
    public Task<BulkResult> BulkResumeAsync(BulkAction action, CancellationToken ct = default) => Bulk("resume", action, ct);

    [WireRoute("POST /tasks/bulk/delete")]
    public Task<BulkResult> BulkDeleteAsync(BulkAction action, CancellationToken ct = default) => Bulk("delete", action, ct);

    private Task<BulkResult> Bulk(string name, BulkAction action, CancellationToken ct)
    {
        if ((action.Ids is null) == (action.Filter is null)) throw new ArgumentException("a BulkAction needs either Ids or a Filter", nameof(action));
        return Post<BulkResult>("/tasks/bulk/" + name, action, ct);
    }

    // ---- roles ----

    [WireRoute("GET /ops/roles")]
    public async Task<IReadOnlyList<RoleState>> ListRolesAsync(CancellationToken ct = default) =>
        (await Get<RoleList>("/ops/roles", ct).ConfigureAwait(false)).Items;

    [WireRoute("POST /ops/roles/{role}/pause")]
    public Task<RolePauseResult> PauseRoleAsync(string role, string? reason = null, CancellationToken ct = default) =>
        Post<RolePauseResult>($"/ops/roles/{E(role)}/pause", new RolePauseBody(reason), ct);

    /// <summary>Resumes the role; its waiting claims are woken.</summary>
    [WireRoute("POST /ops/roles/{role}/resume")]
    public Task<RolePauseResult> ResumeRoleAsync(string role, CancellationToken ct = default) =>
        Post<RolePauseResult>($"/ops/roles/{E(role)}/resume", null, ct);

    /// <summary>Pauses the role and answers when its leases reach 0 or after the timeout.</summary>
    [WireRoute("POST /ops/roles/{role}/drain")]
    public Task<DrainResult> DrainRoleAsync(string role, long? timeoutMs = null, string? reason = null, CancellationToken ct = default) =>
        Post<DrainResult>($"/ops/roles/{E(role)}/drain", new DrainBody(timeoutMs, reason), ct);

    /// <summary>The incident stop: every role at once.</summary>
    [WireRoute("POST /ops/pause")]
    public Task<AllRolesPauseResult> PauseAllAsync(string? reason = null, CancellationToken ct = default) =>
        Post<AllRolesPauseResult>("/ops/pause", new RolePauseBody(reason), ct);

    [WireRoute("POST /ops/resume")]
    public Task<AllRolesPauseResult> ResumeAllAsync(CancellationToken ct = default) => Post<AllRolesPauseResult>("/ops/resume", null, ct);

    /// <summary>The pre-deploy drain: every role paused, answered when no lease is left or after the timeout.</summary>
    [WireRoute("POST /ops/drain")]
    public Task<AllRolesDrainResult> DrainAllAsync(long? timeoutMs = null, string? reason = null, CancellationToken ct = default) =>
        Post<AllRolesDrainResult>("/ops/drain", new DrainBody(timeoutMs, reason), ct);

    [WireRoute("GET /ops/events")]
    public Task<Page<OpsEvent>> ListOpsEventsPageAsync(int? limit = null, string? cursor = null, CancellationToken ct = default) =>
        Get<Page<OpsEvent>>(Q("/ops/events", ("limit", limit), ("cursor", cursor)), ct);

    /// <summary>Every role event (paused, resumed) in id order.</summary>
    [WireRoute("GET /ops/events")]
    public IAsyncEnumerable<OpsEvent> EnumerateOpsEventsAsync(CancellationToken ct = default) =>
        All<OpsEvent>((c, t) => ListOpsEventsPageAsync(1000, c, t), ct);

    // ---- keys ----

    /// <summary>Creates a scoped key (read, agent, operator, admin); the answer's <see cref="ApiKey.Key"/> is the only time the key is shown.</summary>
    [WireRoute("POST /ops/keys")]
    public Task<ApiKey> CreateKeyAsync(string name, IReadOnlyList<string> scopes, long? expiresAtMs = null, CancellationToken ct = default) =>
        Post<ApiKey>("/ops/keys", new KeyBody(name, scopes, expiresAtMs), ct);

    [WireRoute("GET /ops/keys")]
    public Task<Page<ApiKey>> ListKeysPageAsync(int? limit = null, string? cursor = null, CancellationToken ct = default) =>
        Get<Page<ApiKey>>(Q("/ops/keys", ("limit", limit), ("cursor", cursor)), ct);

    /// <summary>Every key (never the key itself; its last use to the minute).</summary>
    [WireRoute("GET /ops/keys")]
    public IAsyncEnumerable<ApiKey> EnumerateKeysAsync(CancellationToken ct = default) =>
        All<ApiKey>((c, t) => ListKeysPageAsync(1000, c, t), ct);

    [WireRoute("DELETE /ops/keys/{id}")]
    public Task RevokeKeyAsync(string id, CancellationToken ct = default) => Send(HttpMethod.Delete, "/ops/keys/" + E(id), null, ct);
}
