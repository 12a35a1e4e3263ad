using Dapper;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Sqlite;

public sealed record ClaimRequest(string AgentId, string AgentRole, long LeaseTtlMs, IReadOnlyDictionary<string, long> PerStateLimits);

public sealed record ClaimResult(TaskRow Task, RunRow Run, string LeaseId, string LeaseToken, long ExpiresAtMs);

/// <summary>
/// Claims, leases and their fencing. Every lease-protected write checks the lease inside its own
/// write unit (CONTRACT W13), so a holder whose lease expired, was reaped or was superseded can
/// change nothing.
/// </summary>
public sealed class LeaseStore(TaskLifecycle lifecycle)
{
    // The three places a winner can be: ready and unassigned, ready and assigned to this agent, or
    // just past a retry delay that the sweeper has not yet cleared. Each is one seek of an index
    // whose predicate is exactly these terms, so blocked, leased, delayed or assigned-away tasks
    // cost nothing (W4).
    private const string ReadyTerms =
        "role = @role AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL";

    public ClaimResult? Claim(WriteContext ctx, ClaimRequest request)
    {
        var full = SaturatedStages(ctx, request.PerStateLimits);
        var stageFilter = full.Count == 0 ? "" : " AND stage NOT IN @full";
        var winner = ctx.Db.QuerySingleOrDefault<string>($"""
            SELECT id FROM (
              SELECT * FROM (SELECT id, priority, created_at_ms FROM tasks INDEXED BY ix_tasks_claim
                WHERE {ReadyTerms} AND retry_wait = 0 AND assignee IS NULL{stageFilter}
                ORDER BY priority DESC, created_at_ms, id LIMIT 1)
              UNION ALL
              SELECT * FROM (SELECT id, priority, created_at_ms FROM tasks INDEXED BY ix_tasks_claim
                WHERE {ReadyTerms} AND retry_wait = 0 AND assignee = @agent{stageFilter}
                ORDER BY priority DESC, created_at_ms, id LIMIT 1)
              UNION ALL
              SELECT * FROM (SELECT id, priority, created_at_ms FROM tasks INDEXED BY ix_tasks_retry_wait
                WHERE retry_wait = 1 AND next_eligible_at_ms <= @now AND {ReadyTerms}
                  AND (assignee IS NULL OR assignee = @agent){stageFilter}
                ORDER BY priority DESC, created_at_ms, id LIMIT 1))
            ORDER BY priority DESC, created_at_ms, id LIMIT 1
            """, new { role = request.AgentRole, agent = request.AgentId, now = ctx.Now, full });
        if (winner is null) return null;

        var task = TaskStore.Find(ctx.Db, winner)!;
        var attempt = ctx.Db.ExecuteScalar<long>(
            "SELECT COALESCE(MAX(attempt), 0) + 1 FROM runs WHERE task_id = @winner", new { winner });
        var (token, hash) = LeaseToken.Mint();
        var run = new RunRow
        {
            Id = Ids.New(), TaskId = winner, Attempt = attempt, Status = "running", AgentId = request.AgentId,
            AgentRole = request.AgentRole, StartedAtMs = ctx.Now, EndedAtMs = null,
        };
        var leaseId = Ids.New();
        var expires = Limits.AddSaturating(ctx.Now, request.LeaseTtlMs);
        ctx.Db.Execute("""
            INSERT INTO runs (id, task_id, attempt, status, agent_id, agent_role, started_at_ms, token_hash)
            VALUES (@Id, @TaskId, @Attempt, @Status, @AgentId, @AgentRole, @StartedAtMs, @hash)
            """, new { run.Id, run.TaskId, run.Attempt, run.Status, run.AgentId, run.AgentRole, run.StartedAtMs, hash });
        ctx.Db.Execute("""
            INSERT INTO leases (id, run_id, task_id, agent_id, token_hash, ttl_ms, expires_at_ms, last_heartbeat_ms)
            VALUES (@leaseId, @runId, @winner, @agent, @hash, @ttl, @expires, @now)
            """, new { leaseId, runId = run.Id, winner, agent = request.AgentId, hash, ttl = request.LeaseTtlMs, expires, now = ctx.Now });
        ctx.Db.Execute("UPDATE tasks SET lease_id = @leaseId, retry_wait = 0 WHERE id = @winner", new { leaseId, winner });
        return new ClaimResult(task, run, leaseId, token, expires);
    }

    /// <summary>
    /// Stages whose per-state limit is reached (CONTRACT §7.7 rule 7): counted once per claim, by stage
    /// name across all pipelines as the reference does (W7).
    /// </summary>
    private static List<string> SaturatedStages(WriteContext ctx, IReadOnlyDictionary<string, long> limits)
    {
        var full = new List<string>();
        foreach (var (stage, limit) in limits)
        {
            if (limit <= 0) continue;
            var leased = ctx.Db.ExecuteScalar<long>("""
                SELECT COUNT(*) FROM tasks t JOIN leases l ON l.id = t.lease_id
                WHERE t.stage = @stage AND t.lease_id IS NOT NULL AND l.expires_at_ms > @now
                """, new { stage, now = ctx.Now });
            if (leased >= limit) full.Add(stage);
        }
        return full;
    }

    /// <summary>Extends a lease; never shortens it (CONTRACT W8).</summary>
    public long Heartbeat(WriteContext ctx, string leaseId, byte[] tokenHash, long? requestedTtlMs)
    {
        var lease = RequireLease(ctx, "id = @key", leaseId, tokenHash, "no such lease");
        var ttl = Math.Max(Math.Max(Limits.DefaultLeaseTtlMs, lease.TtlMs),
            requestedTtlMs is { } r ? Limits.LeaseTtl(r) : 0);
        var expires = Math.Max(lease.ExpiresAtMs, Limits.AddSaturating(ctx.Now, ttl));
        ctx.Db.Execute("UPDATE leases SET expires_at_ms = @expires, last_heartbeat_ms = @now WHERE id = @Id",
            new { lease.Id, expires, now = ctx.Now });
        return expires;
    }

    /// <summary>Gives a lease back without counting an attempt; the task is claimable again at once.</summary>
    public void Release(WriteContext ctx, string leaseId, byte[] tokenHash)
    {
        var lease = RequireLease(ctx, "id = @key", leaseId, tokenHash, "no such lease");
        TaskLifecycle.EndRun(ctx, lease.RunId, lease.TaskId, "stale", failure: false);
        TaskLifecycle.AppendEvent(ctx, lease.RunId, ServerEvents.LeaseReleased,
            ServerEvents.LeaseEndedData(lease.Id, lease.AgentId, lease.ExpiresAtMs));
    }

    /// <summary>The run's live lease, checked as CONTRACT §3.2 steps 3-5 order them.</summary>
    public static LeaseRow RequireRunLease(WriteContext ctx, string runId, byte[] tokenHash) =>
        RequireLease(ctx, "run_id = @key", runId, tokenHash, "the run holds no live lease");

    private static LeaseRow RequireLease(WriteContext ctx, string where, string key, byte[] tokenHash, string missing)
    {
        var lease = ctx.Db.QuerySingleOrDefault<LeaseRow>(
            $"SELECT id, run_id, task_id, agent_id, token_hash, ttl_ms, expires_at_ms FROM leases WHERE {where}", new { key })
            ?? throw ApiError.NotFound(missing);
        if (!LeaseToken.Matches(tokenHash, lease.TokenHash)) throw ApiError.Unauthorized("token does not match");
        if (lease.ExpiresAtMs <= ctx.Now) throw new ApiError(410, "expired", "lease has expired; claim the task again");
        return lease;
    }

    /// <summary>
    /// The sweeper's work: reap up to <paramref name="max"/> expired leases (run → stale, a
    /// lease_expired event, the retry policy applied as for a failure) and make tasks whose retry
    /// delay has passed ready again. Returns how many leases were reaped.
    /// </summary>
    public int Sweep(WriteContext ctx, int max)
    {
        var expired = ctx.Db.Query<LeaseRow>("""
            SELECT id, run_id, task_id, agent_id, token_hash, ttl_ms, expires_at_ms FROM leases
            WHERE expires_at_ms <= @now ORDER BY expires_at_ms LIMIT @max
            """, new { now = ctx.Now, max }).AsList();
        foreach (var lease in expired)
        {
            TaskLifecycle.EndRun(ctx, lease.RunId, lease.TaskId, "stale", failure: true);
            TaskLifecycle.AppendEvent(ctx, lease.RunId, ServerEvents.LeaseExpired,
                ServerEvents.LeaseEndedData(lease.Id, lease.AgentId, lease.ExpiresAtMs));
            lifecycle.ApplyRetryPolicy(ctx, lease.TaskId, lease.RunId, "lease_expired");
        }
        ctx.Db.Execute("UPDATE tasks SET retry_wait = 0 WHERE retry_wait = 1 AND next_eligible_at_ms <= @now", new { now = ctx.Now });
        return expired.Count;
    }
}
