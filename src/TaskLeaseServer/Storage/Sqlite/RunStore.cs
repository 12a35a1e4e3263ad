using Dapper;
using TaskLeaseServer.Domain;
using TaskLeaseServer.Telemetry;

namespace TaskLeaseServer.Storage.Sqlite;

public sealed record TransitionCommand(string Trigger, string? Instructions, string? UsageJson, string? ExpectedStage, long? ExpectedTaskVersion);

public sealed record TransitionResult(string PreviousStage, string NewStage, string Trigger);

/// <summary>
/// What a lease holder does with its run: append events, move the task along the pipeline, or
/// fail the attempt (CONTRACT §8.19-8.22). Each starts by checking the lease inside the write.
/// </summary>
public sealed class RunStore(SqliteDatabase database, PipelineCatalog catalog, TaskLifecycle lifecycle)
{
    /// <summary>
    /// Checks the run's lease, then the parsed body: the contract answers lease problems before body
    /// problems, so a body error travels in as <paramref name="parse"/> and is thrown after the lease check.
    /// </summary>
    public static (LeaseRow Lease, T Body) Authorize<T>(WriteContext ctx, string runId, byte[] tokenHash, Func<T> parse) =>
        (LeaseStore.RequireRunLease(ctx, runId, tokenHash), parse());

    public long AppendEvent(WriteContext ctx, string runId, string kind, string dataJson) =>
        TaskLifecycle.AppendEvent(ctx, runId, kind, dataJson);

    public (IReadOnlyList<EventRow> Items, bool More) ListEvents(string runId, long? afterId, int limit)
    {
        using var db = database.OpenRead();
        var rows = db.Query<EventRow>("""
            SELECT id, run_id, ts_ms, kind, data_json FROM events
            WHERE run_id = @runId AND id > @after ORDER BY id LIMIT @take
            """, new { runId, after = afterId ?? long.MinValue, take = limit + 1 }).AsList();
        var more = rows.Count > limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        return (rows, more);
    }

    /// <summary>Whether the token is the one issued for this run (it stays valid for reading events).</summary>
    public bool IsRunToken(string runId, byte[] tokenHash)
    {
        using var db = database.OpenRead();
        var stored = db.QuerySingleOrDefault<byte[]>("SELECT token_hash FROM runs WHERE id = @runId", new { runId });
        return stored is not null && LeaseToken.Matches(tokenHash, stored);
    }

    public TransitionResult Transition(WriteContext ctx, LeaseRow lease, TransitionCommand request)
    {
        var status = ctx.Db.QuerySingleOrDefault<string>("SELECT status FROM runs WHERE id = @RunId", new { lease.RunId })
            ?? throw ApiError.NotFound("no such run");
        if (status != "running") throw new ApiError(409, "conflict", $"the run is {status}, not running");

        var task = TaskStore.Find(ctx.Db, lease.TaskId)!;
        if (request.ExpectedStage is { } expectedStage && expectedStage != task.Stage)
            throw new ApiError(409, "expected_stage_mismatch",
                $"the task is in stage \"{task.Stage}\", not \"{expectedStage}\"; re-read it before transitioning");
        if (request.ExpectedTaskVersion is { } expectedVersion && expectedVersion != task.TaskVersion)
            throw new ApiError(409, "task_version_mismatch",
                $"the task is at version {task.TaskVersion}, not {expectedVersion}; re-read it before transitioning");

        var definition = catalog.Get(ctx.Db, task.PipelineId);
        var edge = definition.Find(task.Stage, request.Trigger)
            ?? throw new ApiError(400, "invalid_transition",
                $"stage \"{task.Stage}\" has no transition with trigger \"{request.Trigger}\"; see available_transitions on GET /tasks/{task.Id}");

        TaskLifecycle.EndRunAndLease(ctx, lease.RunId, "completed", failure: false, usageJson: request.UsageJson ?? "{}");
        lifecycle.MoveStage(ctx, task, edge.To, afterSuccess: true);
        TaskLifecycle.AppendEvent(ctx, lease.RunId, ServerEvents.Transition,
            ServerEvents.TransitionData(request.Trigger, task.Stage, edge.To, request.Instructions ?? edge.Instructions ?? ""));
        ServerTelemetry.Transitioned(task.Stage, edge.To);
        return new TransitionResult(task.Stage, edge.To, request.Trigger);
    }

    public void Fail(WriteContext ctx, LeaseRow lease, string error, string? usageJson)
    {
        TaskLifecycle.EndRun(ctx, lease.RunId, lease.TaskId, "failed", failure: true, errorText: error, usageJson: usageJson ?? "{}");
        lifecycle.ApplyRetryPolicy(ctx, lease.TaskId, lease.RunId, "fail");
    }
}
