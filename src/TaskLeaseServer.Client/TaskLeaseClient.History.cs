namespace TaskLeaseServer.Client;

// Run history and live streams (extensions §5, §6).
public sealed partial class TaskLeaseClient
{
    /// <summary>The run with its usage, error, failure kind and (while live) its lease.</summary>
    [WireRoute("GET /runs/{id}")]
    public Task<Run> GetRunAsync(string runId, CancellationToken ct = default) => Get<Run>("/runs/" + E(runId), ct);

    [WireRoute("GET /tasks/{id}/runs")]
    public Task<Page<Run>> ListTaskRunsPageAsync(string taskId, int? limit = null, string? cursor = null, CancellationToken ct = default) =>
        Get<Page<Run>>(Q($"/tasks/{E(taskId)}/runs", ("limit", limit), ("cursor", cursor)), ct);

    /// <summary>Every run of the task, by attempt.</summary>
    [WireRoute("GET /tasks/{id}/runs")]
    public IAsyncEnumerable<Run> EnumerateTaskRunsAsync(string taskId, CancellationToken ct = default) =>
        All<Run>((c, t) => ListTaskRunsPageAsync(taskId, 1000, c, t), ct);

    [WireRoute("GET /tasks/{id}/events")]
    public Task<Page<RunEvent>> ListTaskEventsPageAsync(string taskId, int? limit = null, string? cursor = null, CancellationToken ct = default) =>
        Get<Page<RunEvent>>(Q($"/tasks/{E(taskId)}/events", ("limit", limit), ("cursor", cursor)), ct);

    /// <summary>Every event of every run of the task and the task's own operator events, in id order.</summary>
    [WireRoute("GET /tasks/{id}/events")]
    public IAsyncEnumerable<RunEvent> EnumerateTaskEventsAsync(string taskId, CancellationToken ct = default) =>
        All<RunEvent>((c, t) => ListTaskEventsPageAsync(taskId, 1000, c, t), ct);

    /// <summary>The run's events after <paramref name="afterId"/> (default: from the first), then live ones; reconnects on its own.</summary>
    [WireRoute("GET /runs/{id}/events/stream")]
    public IAsyncEnumerable<RunEvent> StreamRunEventsAsync(string runId, long? afterId = null, CancellationToken ct = default) =>
        new EventStream(_transport, $"/runs/{E(runId)}/events/stream").ReadAsync(afterId, ct);

    [WireRoute("GET /tasks/{id}/events/stream")]
    public IAsyncEnumerable<RunEvent> StreamTaskEventsAsync(string taskId, long? afterId = null, CancellationToken ct = default) =>
        new EventStream(_transport, $"/tasks/{E(taskId)}/events/stream").ReadAsync(afterId, ct);

    /// <summary>Every event of the server, optionally only a pipeline's, a role's or some kinds.</summary>
    [WireRoute("GET /events/stream")]
    public IAsyncEnumerable<RunEvent> StreamEventsAsync(string? pipelineId = null, string? role = null, IReadOnlyList<string>? kinds = null,
        long? afterId = null, CancellationToken ct = default) =>
        new EventStream(_transport, Q("/events/stream", ("pipeline_id", pipelineId), ("role", role),
            ("kinds", kinds is null ? null : string.Join(',', kinds)))).ReadAsync(afterId, ct);
}
