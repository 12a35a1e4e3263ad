namespace TaskLeaseServer.Client;

public sealed partial class TaskLeaseClient
{
    /// <summary>Appends an event to the run (lease token); returns the event id.</summary>
    [WireRoute("POST /runs/{id}/events")]
    public async Task<long> AppendEventAsync(string runId, string leaseToken, string kind, object? data = null, CancellationToken ct = default) =>
        (await _transport.SendAsync<EventIdBody>(HttpMethod.Post, $"/runs/{E(runId)}/events", new EventBody(kind, data), ct, leaseToken, leaseRoute: true)
            .ConfigureAwait(false)).Id;

    [WireRoute("GET /runs/{id}/events")]
    public Task<Page<RunEvent>> ListRunEventsPageAsync(string runId, int? limit = null, string? cursor = null, CancellationToken ct = default) =>
        Get<Page<RunEvent>>(Q($"/runs/{E(runId)}/events", ("limit", limit), ("cursor", cursor)), ct);

    [WireRoute("GET /runs/{id}/events")]
    public IAsyncEnumerable<RunEvent> EnumerateRunEventsAsync(string runId, CancellationToken ct = default) =>
        All<RunEvent>((c, t) => ListRunEventsPageAsync(runId, 1000, c, t), ct);

    /// <summary>Moves the task along its pipeline and ends the run and its lease.</summary>
    [WireRoute("POST /runs/{id}/transition")]
    public Task<TransitionResult> TransitionAsync(string runId, string leaseToken, TransitionRequest request, CancellationToken ct = default) =>
        _transport.SendAsync<TransitionResult>(HttpMethod.Post, $"/runs/{E(runId)}/transition", request, ct, leaseToken, leaseRoute: true);

    /// <summary>Fails the run: a retry is scheduled, or the task is dead-lettered when attempts run out or it is not retryable.</summary>
    [WireRoute("POST /runs/{id}/fail")]
    public Task FailAsync(string runId, string leaseToken, FailRequest request, CancellationToken ct = default) =>
        _transport.SendAsync<StatusBody>(HttpMethod.Post, $"/runs/{E(runId)}/fail", request, ct, leaseToken, leaseRoute: true);
}
