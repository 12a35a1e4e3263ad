namespace TaskLeaseServer.Client;

public sealed partial class TaskLeaseClient
{
    [WireRoute("POST /tasks")]
    public async Task<string> CreateTaskAsync(NewTask task, CancellationToken ct = default) =>
        (await Post<IdBody>("/tasks", task, ct).ConfigureAwait(false)).Id;

    /// <summary>Creates every task in one transaction (all or none); ids in input order.</summary>
    [WireRoute("POST /tasks/bulk")]
    public async Task<IReadOnlyList<string>> CreateTasksAsync(IReadOnlyList<NewTask> tasks, CancellationToken ct = default) =>
        (await Post<IdsBody>("/tasks/bulk", new BulkTasksBody(tasks), ct).ConfigureAwait(false)).Ids;

    [WireRoute("GET /tasks/{id}")]
    public Task<TaskDetails> GetTaskAsync(string id, CancellationToken ct = default) => Get<TaskDetails>("/tasks/" + E(id), ct);

    [WireRoute("GET /tasks")]
    public Task<Page<TaskItem>> ListTasksPageAsync(TaskQuery? query = null, string? cursor = null, CancellationToken ct = default)
    {
        var q = query ?? new TaskQuery();
        return Get<Page<TaskItem>>(Q("/tasks", ("pipeline_id", q.PipelineId), ("stage", q.Stage), ("status", q.Status), ("role", q.Role),
            ("assigned_agent_id", q.AssignedAgentId), ("q", q.Q), ("priority_min", q.PriorityMin), ("priority_max", q.PriorityMax),
            ("created_after_ms", q.CreatedAfterMs), ("created_before_ms", q.CreatedBeforeMs), ("updated_after_ms", q.UpdatedAfterMs),
            ("sort", q.Sort), ("limit", q.Limit), ("cursor", cursor)), ct);
    }

    /// <summary>Every task matching the query, page after page (1000 per page unless the query says otherwise).</summary>
    [WireRoute("GET /tasks")]
    public IAsyncEnumerable<TaskItem> EnumerateTasksAsync(TaskQuery? query = null, CancellationToken ct = default)
    {
        var q = (query ?? new TaskQuery()) with { Limit = query?.Limit ?? 1000 };
        return All<TaskItem>((c, t) => ListTasksPageAsync(q, c, t), ct);
    }

    [WireRoute("POST /tasks/{id}/dependencies")]
    public Task AddDependencyAsync(string taskId, string dependsOnTaskId, CancellationToken ct = default) =>
        Post<StatusBody>($"/tasks/{E(taskId)}/dependencies", new DependencyBody(dependsOnTaskId), ct);

    [WireRoute("GET /tasks/{id}/dependencies")]
    public Task<IReadOnlyList<Dependency>> ListDependenciesAsync(string taskId, CancellationToken ct = default) =>
        Get<IReadOnlyList<Dependency>>($"/tasks/{E(taskId)}/dependencies", ct);

    [WireRoute("POST /tasks/{id}/assignments")]
    public Task AssignAsync(string taskId, string agentId, string? assignedBy = null, CancellationToken ct = default) =>
        Post<StatusBody>($"/tasks/{E(taskId)}/assignments", new AssignmentBody(agentId, assignedBy), ct);

    [WireRoute("GET /tasks/{id}/assignments")]
    public Task<IReadOnlyList<Assignment>> ListAssignmentsAsync(string taskId, CancellationToken ct = default) =>
        Get<IReadOnlyList<Assignment>>($"/tasks/{E(taskId)}/assignments", ct);

    [WireRoute("DELETE /tasks/{id}/assignments/{agent_id}")]
    public Task UnassignAsync(string taskId, string agentId, CancellationToken ct = default) =>
        Send(HttpMethod.Delete, $"/tasks/{E(taskId)}/assignments/{E(agentId)}", null, ct);
}

internal sealed record StatusBody(string? Status);
