namespace TaskLeaseServer.Client;

// The operator surface (extensions §7–§10, §13): actions on one task, bulk actions, role controls,
// inspect, keys. Every answer that is a task is the GET /tasks/{id} shape.
public sealed partial class TaskLeaseClient
{
    /// <summary>Cancels the task; a live lease is revoked (its holder gets 410 lease_revoked). With a terminal <paramref name="stage"/> its dependents resolve.</summary>
    public Task<TaskDetails> CancelTaskAsync(string id, string? reason = null, string? stage = null, CancellationToken ct = default) =>
        Post<TaskDetails>($"/tasks/{E(id)}/cancel", new { reason, stage }, ct);

    /// <summary>Brings a dead-lettered, canceled, waiting or ready task back into work now; <paramref name="force"/> takes it from a live holder.</summary>
    public Task<TaskDetails> RequeueTaskAsync(string id, string? stage = null, bool? resetAttempts = null, bool? force = null,
        string? reason = null, CancellationToken ct = default) =>
        Post<TaskDetails>($"/tasks/{E(id)}/requeue", new { stage, reset_attempts = resetAttempts, force, reason }, ct);

    public Task<TaskDetails> PauseTaskAsync(string id, string? reason = null, bool? revokeLease = null, CancellationToken ct = default) =>
        Post<TaskDetails>($"/tasks/{E(id)}/pause", new { reason, revoke_lease = revokeLease }, ct);

    public Task<TaskDetails> ResumeTaskAsync(string id, CancellationToken ct = default) => Post<TaskDetails>($"/tasks/{E(id)}/resume", null, ct);

    public Task<TaskDetails> PatchTaskAsync(string id, TaskPatch patch, CancellationToken ct = default) =>
        _transport.SendAsync<TaskDetails>(HttpMethod.Patch, "/tasks/" + E(id), patch, ct);

    public Task DeleteTaskAsync(string id, bool force = false, CancellationToken ct = default) =>
        Send(HttpMethod.Delete, "/tasks/" + E(id) + (force ? "?force=true" : ""), null, ct);

    public Task RemoveDependencyAsync(string taskId, string upstreamId, CancellationToken ct = default) =>
        Send(HttpMethod.Delete, $"/tasks/{E(taskId)}/dependencies/{E(upstreamId)}", null, ct);

    public Task<Inspection> InspectTaskAsync(string id, CancellationToken ct = default) => Get<Inspection>($"/tasks/{E(id)}/inspect", ct);

    /// <summary>
    /// A bulk action (cancel, requeue, pause, resume, delete) on the given ids or on every task the
    /// filter matches (up to <paramref name="limit"/>); <paramref name="options"/> are the single action's
    /// body fields (e.g. <c>new { reason = "incident" }</c>). Each task succeeds or fails alone.
    /// </summary>
    public Task<BulkResult> BulkAsync(string action, IReadOnlyList<string>? ids = null, TaskFilter? filter = null, int? limit = null,
        object? options = null, CancellationToken ct = default)
    {
        if ((ids is null) == (filter is null)) throw new ArgumentException("give either ids or a filter");
        var body = new Dictionary<string, object?>();
        if (options is not null)
            foreach (var p in System.Text.Json.JsonSerializer.SerializeToElement(options, WireJson.Options).EnumerateObject())
                body[p.Name] = p.Value;
        if (ids is not null) body["ids"] = ids;
        if (filter is not null) body["filter"] = filter;
        if (limit is not null) body["limit"] = limit;
        return Post<BulkResult>("/tasks/bulk/" + E(action), body, ct);
    }

    // ---- roles ----

    public async Task<IReadOnlyList<RoleState>> ListRolesAsync(CancellationToken ct = default) =>
        (await Get<RoleList>("/ops/roles", ct).ConfigureAwait(false)).Items;

    public Task<RolePauseResult> PauseRoleAsync(string role, string? reason = null, CancellationToken ct = default) =>
        Post<RolePauseResult>($"/ops/roles/{E(role)}/pause", new { reason }, ct);

    /// <summary>Resumes the role; its waiting claims are woken.</summary>
    public Task<RolePauseResult> ResumeRoleAsync(string role, CancellationToken ct = default) =>
        Post<RolePauseResult>($"/ops/roles/{E(role)}/resume", null, ct);

    /// <summary>Pauses the role and answers when its leases reach 0 or after the timeout.</summary>
    public Task<DrainResult> DrainRoleAsync(string role, long? timeoutMs = null, CancellationToken ct = default) =>
        Post<DrainResult>($"/ops/roles/{E(role)}/drain", new { timeout_ms = timeoutMs }, ct);

    /// <summary>The incident stop: every role at once.</summary>
    public Task<AllRolesPauseResult> PauseAllAsync(string? reason = null, CancellationToken ct = default) =>
        Post<AllRolesPauseResult>("/ops/pause", new { reason }, ct);

    public Task<AllRolesPauseResult> ResumeAllAsync(CancellationToken ct = default) => Post<AllRolesPauseResult>("/ops/resume", null, ct);

    /// <summary>The pre-deploy drain: every role paused, answered when no lease is left or after the timeout.</summary>
    public Task<AllRolesDrainResult> DrainAllAsync(long? timeoutMs = null, CancellationToken ct = default) =>
        Post<AllRolesDrainResult>("/ops/drain", new { timeout_ms = timeoutMs }, ct);

    public Task<Page<OpsEvent>> ListOpsEventsPageAsync(int? limit = null, string? cursor = null, CancellationToken ct = default) =>
        Get<Page<OpsEvent>>(Q("/ops/events", ("limit", limit), ("cursor", cursor)), ct);

    /// <summary>Every role event (paused, resumed) in id order.</summary>
    public IAsyncEnumerable<OpsEvent> EnumerateOpsEventsAsync(CancellationToken ct = default) =>
        All<OpsEvent>((c, t) => ListOpsEventsPageAsync(1000, c, t), ct);

    // ---- keys ----

    /// <summary>Creates a scoped key (read, agent, operator, admin); the answer's <see cref="ApiKey.Key"/> is the only time the key is shown.</summary>
    public Task<ApiKey> CreateKeyAsync(string name, IReadOnlyList<string> scopes, long? expiresAtMs = null, CancellationToken ct = default) =>
        Post<ApiKey>("/ops/keys", new { name, scopes, expires_at_ms = expiresAtMs }, ct);

    public Task<Page<ApiKey>> ListKeysPageAsync(int? limit = null, string? cursor = null, CancellationToken ct = default) =>
        Get<Page<ApiKey>>(Q("/ops/keys", ("limit", limit), ("cursor", cursor)), ct);

    /// <summary>Every key (never the key itself; its last use to the minute).</summary>
    public IAsyncEnumerable<ApiKey> EnumerateKeysAsync(CancellationToken ct = default) =>
        All<ApiKey>((c, t) => ListKeysPageAsync(1000, c, t), ct);

    public Task RevokeKeyAsync(string id, CancellationToken ct = default) => Send(HttpMethod.Delete, "/ops/keys/" + E(id), null, ct);
}
