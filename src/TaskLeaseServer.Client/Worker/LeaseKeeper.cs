namespace TaskLeaseServer.Client;

/// <summary>
/// Keeps one lease alive: a heartbeat every third of its TTL. A 410 or 404 (expired, revoked,
/// reaped) or a lease whose expiry passes while the server cannot be reached (even in the middle of
/// a heartbeat's retries) cancels <see cref="Token"/>; after that the lease is never used again.
/// </summary>
internal sealed class LeaseKeeper : IAsyncDisposable
{
    private readonly TaskLeaseClient _client;
    private readonly Claim _claim;
    private readonly TaskLeaseWorkerOptions _options;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stopBeating = new();
    private readonly Task _beating;
    private long _expiresAtMs;

    public LeaseKeeper(TaskLeaseClient client, Claim claim, TaskLeaseWorkerOptions options)
    {
        _client = client;
        _claim = claim;
        _options = options;
        _expiresAtMs = claim.ExpiresAtMs;
        _beating = BeatAsync();
    }

    /// <summary>Canceled when the lease is lost.</summary>
    public CancellationToken Token => _lost.Token;
    public bool IsLost => _lost.IsCancellationRequested;

    public void MarkLost()
    {
        if (_lost.IsCancellationRequested) return;
        ClientTelemetry.LeasesLost.Add(1, _options.RoleTag);
        _lost.Cancel();
    }

    private async Task BeatAsync()
    {
        var time = _options.TimeProvider;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(1_000, _options.LeaseTtlMs / 3)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopBeating.Token).ConfigureAwait(false))
            {
                // A heartbeat still being retried when the lease runs out is given up there, not after its last retry.
                var left = Math.Max(0, _expiresAtMs - time.GetUtcNow().ToUnixTimeMilliseconds());
                using var expiry = new CancellationTokenSource(TimeSpan.FromMilliseconds(left), time);
                using var call = CancellationTokenSource.CreateLinkedTokenSource(_stopBeating.Token, expiry.Token);
                try
                {
                    var beat = await _client.HeartbeatAsync(_claim.LeaseId, _claim.LeaseToken, _options.LeaseTtlMs, call.Token).ConfigureAwait(false);
                    _expiresAtMs = beat.ExpiresAtMs;
                }
                catch (LeaseLostException) { MarkLost(); return; }
                catch (OperationCanceledException) when (expiry.IsCancellationRequested && !_stopBeating.IsCancellationRequested)
                {
                    MarkLost(); // the server stayed away until the expiry: another agent may hold the task now
                    return;
                }
                catch (TaskLeaseException) when (time.GetUtcNow().ToUnixTimeMilliseconds() >= _expiresAtMs)
                {
                    MarkLost(); // the server stayed away past the expiry: another agent may hold the task now
                    return;
                }
                catch (TaskLeaseException) { /* unreachable for now; the next tick tries again before the expiry */ }
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stopBeating.Cancel();
        await _beating.ConfigureAwait(false);
        _stopBeating.Dispose();
        _lost.Dispose();
    }
}
