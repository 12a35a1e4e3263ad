using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TaskLeaseServer.Client;

/// <summary>
/// A hosted worker: <see cref="TaskLeaseWorkerOptions.Concurrency"/> slots, each long-polling a claim
/// for the role, keeping the lease with heartbeats, running the handler with a token canceled when
/// the lease is lost or the host stops, then transitioning with the handler's trigger (guarded by
/// the stage and task version of the claim) or failing the run on an exception. On shutdown the
/// leases it still holds are released, so their tasks are claimable at once.
/// </summary>
public sealed class TaskLeaseWorker(TaskLeaseClient client, TaskLeaseWorkerOptions options, TaskHandler handler, ILogger<TaskLeaseWorker> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        options.Validate();
        logger.LogInformation("worker {AgentId} claims for role {Role} with {Slots} slots", options.AgentId, options.AgentRole, options.Concurrency);
        return Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(() => SlotAsync(stoppingToken), CancellationToken.None)));
    }

    private async Task SlotAsync(CancellationToken stopping)
    {
        var request = new ClaimRequest(options.AgentId, options.AgentRole) { LeaseTtlMs = options.LeaseTtlMs, WaitMs = options.ClaimWaitMs };
        while (!stopping.IsCancellationRequested)
        {
            Claim? claim;
            try { claim = await client.ClaimAsync(request, stopping).ConfigureAwait(false); }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { return; }
            catch (TaskLeaseException e)
            {
                logger.LogWarning("claim for {Role} failed: {Error}; trying again", options.AgentRole, e.Message);
                try { await Task.Delay(options.UnavailableBackoff, options.TimeProvider, stopping).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            if (claim is null) continue;
            ClientTelemetry.Claimed.Add(1, options.RoleTag);
            await WorkAsync(claim, stopping).ConfigureAwait(false);
        }
    }

    private async Task WorkAsync(Claim claim, CancellationToken stopping)
    {
        using var activity = ClientTelemetry.Source.StartActivity($"work {options.AgentRole}", ActivityKind.Consumer);
        activity?.SetTag(ClientTelemetry.RunIdTag, claim.Run.Id);
        activity?.SetTag(ClientTelemetry.TaskIdTag, claim.Task.Id);
        activity?.SetTag(ClientTelemetry.RoleTagName, options.AgentRole);
        activity?.SetTag("nulltickets.stage", claim.Task.Stage);
        activity?.SetTag("nulltickets.attempt", claim.Run.Attempt);

        await using var keeper = new LeaseKeeper(client, claim, options);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(keeper.Token, stopping);
        var context = new TaskContext(client, claim, work.Token, keeper.MarkLost);
        var started = options.TimeProvider.GetTimestamp();
        WorkResult? result = null;
        Exception? error = null;
        // After a stop the handler gets StopGrace to wind down; one that ignores its token is abandoned and its lease released.
        using var grace = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.TimeProvider);
        using var onStop = stopping.Register(() => grace.CancelAfter(options.StopGrace));
        try
        {
            result = await handler(context, work.Token).WaitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (Exception e) { error = e; }
        ClientTelemetry.WorkDuration.Record(options.TimeProvider.GetElapsedTime(started).TotalMilliseconds, options.RoleTag);

        if (keeper.IsLost)
        {
            logger.LogWarning("lease {LeaseId} of task {TaskId} was lost while working; the result is dropped", claim.LeaseId, claim.Task.Id);
            activity?.SetStatus(ActivityStatusCode.Error, "lease lost");
            return;
        }
        // Past this point the run is ended with the lease's own token; nothing is canceled by shutdown any more.
        try
        {
            if (result is { IsRelease: false, Trigger: { } trigger })
            {
                await client.TransitionAsync(claim.Run.Id, claim.LeaseToken, new TransitionRequest(trigger)
                {
                    Instructions = result.Instructions,
                    Usage = result.Usage,
                    ExpectedStage = claim.Task.Stage,
                    ExpectedTaskVersion = claim.Task.TaskVersion,
                }, CancellationToken.None).ConfigureAwait(false);
                ClientTelemetry.Completed.Add(1, options.RoleTag);
            }
            else if (result is not null || stopping.IsCancellationRequested && error is OperationCanceledException)
            {
                await client.ReleaseAsync(claim.LeaseId, claim.LeaseToken, CancellationToken.None).ConfigureAwait(false);
            }
            else if (error is not null)
            {
                var (retryable, kind) = error switch
                {
                    NonRetryableException n => (false, n.FailureKind),
                    RetryableException r => (true, r.FailureKind),
                    _ => (true, error.GetType().Name),
                };
                await client.FailAsync(claim.Run.Id, claim.LeaseToken, new FailRequest(error.Message) { Retryable = retryable, FailureKind = kind },
                    CancellationToken.None).ConfigureAwait(false);
                ClientTelemetry.Failed.Add(1, options.RoleTag);
                activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            }
        }
        catch (LeaseLostException e)
        {
            keeper.MarkLost();
            logger.LogWarning("lease {LeaseId} of task {TaskId} was lost before its result was recorded: {Error}", claim.LeaseId, claim.Task.Id, e.Message);
        }
        catch (TaskLeaseException e)
        {
            logger.LogError("could not record the result of task {TaskId}: {Error}", claim.Task.Id, e.Message);
        }
    }
}
