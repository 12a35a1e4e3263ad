using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Api;

/// <summary>The claim was undone because its client went away before the commit; the task it would have taken is woken for another.</summary>
public sealed class ClaimAbandoned(Wake wake) : OperationCanceledException("the client disconnected before the claim committed")
{
    public Wake Wake { get; } = wake;
}

/// <summary>
/// A long-poll claim (EXTENSIONS §2): join the role's queue, try, and between tries await a wake-up
/// (<see cref="ClaimWaiters"/>) until a task is won, wait_ms passes (204), the server stops (204)
/// or the client disconnects (no answer, no lease). Waiting holds no thread and no connection:
/// the request is an awaited TaskCompletionSource with a timer from the TimeProvider.
/// </summary>
internal static class ClaimWait
{
    public const long MaxWaitMs = 30_000;

    public static async Task<Reply> Run(HttpContext http, Writes writes, ClaimWaiters waiters, TimeProvider time,
        ClaimRequest request, long waitMs)
    {
        var started = time.GetTimestamp();
        using var waiter = waiters.Join(request.AgentRole, request.AgentId);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, waiters.Stopping);
        while (true)
        {
            waiter.Attempting();
            Reply reply;
            try
            {
                reply = await LeasesApi.ClaimNow(http, writes, request);
            }
            catch (ClaimAbandoned abandoned)
            {
                waiters.Wake(abandoned.Wake);
                throw;
            }
            if (reply.Status != 204)
            {
                // Woken by a recheck (a notice may have been lost): there may be more, so the next waiter looks too.
                if (reply.Status == 200 && waiter.WokenByRecheck) waiters.Wake(new Wake(request.AgentRole, null));
                return reply;
            }
            var left = TimeSpan.FromMilliseconds(waitMs) - time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || waiters.Stopping.IsCancellationRequested) return reply;
            try
            {
                await waiter.Next().WaitAsync(left, time, cancel.Token);
            }
            catch (TimeoutException)
            {
                return reply;
            }
            catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
            {
                return reply; // shutting down: every waiter gets its 204 now
            }
        }
    }
}
