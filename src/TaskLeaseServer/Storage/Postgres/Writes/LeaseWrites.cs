using Dapper;

namespace TaskLeaseServer.Storage.Postgres.Writes;

/// <summary>
/// Claims and leases. Every write a lease protects is conditional on it in its own WHERE. The
/// lease is the first row a holder's unit locks (ById/ByRun read it FOR UPDATE), then its task,
/// then the task's dependents by id: one lock order for every unit, so units wait, never deadlock.
/// </summary>
internal sealed class LeaseWrites(PostgresWriteUnit unit) : ILeaseWrites
{
    private const string LeaseColumns = "id, run_id, task_id, agent_id, token_hash, ttl_ms, expires_at_ms";

    public TaskRow? ClaimNext(ClaimFilter filter, string leaseId) =>
        unit.Db.QuerySingleOrDefault<TaskRow>(ClaimSql.Claim, new
        {
            role = filter.Role, agent = filter.AgentId, now = unit.Now, full = filter.FullStages.ToArray(), limitedPairs = filter.FullPairKeys, leaseId,
        });

    public RunRow Open(TaskRow task, NewLease lease)
    {
        // The task row is locked by the claim, so no other unit computes this task's next attempt meanwhile.
        var attempt = unit.Db.ExecuteScalar<long>("""
            INSERT INTO runs (id, task_id, attempt, status, agent_id, agent_role, started_at_ms, token_hash)
            SELECT @RunId, @taskId, COALESCE(MAX(attempt), 0) + 1, 'running', @AgentId, @AgentRole, @now, @TokenHash
            FROM runs WHERE task_id = @taskId
            RETURNING attempt
            """, new { lease.RunId, taskId = task.Id, lease.AgentId, lease.AgentRole, now = unit.Now, lease.TokenHash });
        unit.Db.Execute("""
            INSERT INTO leases (id, run_id, task_id, agent_id, token_hash, ttl_ms, expires_at_ms, last_heartbeat_ms)
            VALUES (@LeaseId, @RunId, @taskId, @AgentId, @TokenHash, @TtlMs, @ExpiresAtMs, @now)
            """, new { lease.LeaseId, lease.RunId, taskId = task.Id, lease.AgentId, lease.TokenHash, lease.TtlMs, lease.ExpiresAtMs, now = unit.Now });
        return new RunRow
        {
            Id = lease.RunId, TaskId = task.Id, Attempt = attempt, Status = "running", AgentId = lease.AgentId,
            AgentRole = lease.AgentRole, StartedAtMs = unit.Now,
        };
    }

    /// <summary>
    /// Counted under one transaction lock that every claim with per-state limits takes, so two such
    /// claims count one after the other (the second sees the first's lease once it commits) instead
    /// of both seeing room for one. One key rather than one per stage: claims list their limited
    /// stages in any order, and per-stage locks taken in two orders would deadlock. A claim without
    /// limits takes no lock, so it can still add one lease beside a limited claim's count.
    /// </summary>
    public long LiveInStage(string stage)
    {
        LockLimitedClaims();
        return unit.Db.ExecuteScalar<long>("""
            SELECT COUNT(*) FROM tasks t JOIN leases l ON l.id = t.lease_id
            WHERE t.stage = @stage AND t.lease_id IS NOT NULL AND l.expires_at_ms > @now
            """, new { stage, now = unit.Now });
    }

    /// <summary>
    /// Under the same lock as the per-state count (so the two kinds of limit never wait on each other
    /// in two orders): the claim that counts second sees the first one's lease, committed.
    /// </summary>
    public long LiveInPipelineStage(string pipelineId, string stage)
    {
        LockLimitedClaims();
        return unit.Db.ExecuteScalar<long>("""
            SELECT COUNT(*) FROM tasks t JOIN leases l ON l.id = t.lease_id
            WHERE t.stage = @stage AND t.pipeline_id = @pipelineId AND t.lease_id IS NOT NULL AND l.expires_at_ms > @now
            """, new { pipelineId, stage, now = unit.Now });
    }

    /// <summary>Held to the unit's commit; re-taking it in the same unit is free (advisory locks nest).</summary>
    private void LockLimitedClaims() => unit.Db.Execute("SELECT pg_advisory_xact_lock(hashtextextended('tls:per_state', 0))");

    public LeaseRow? ById(string leaseId) =>
        unit.Db.QuerySingleOrDefault<LeaseRow>($"SELECT {LeaseColumns} FROM leases WHERE id = @leaseId FOR UPDATE", new { leaseId });

    public LeaseRow? ByRun(string runId) =>
        unit.Db.QuerySingleOrDefault<LeaseRow>($"SELECT {LeaseColumns} FROM leases WHERE run_id = @runId FOR UPDATE", new { runId });

    public bool Extend(LeaseFence fence, long expiresAtMs) =>
        unit.Db.Execute("""
            UPDATE leases SET expires_at_ms = @expiresAtMs, last_heartbeat_ms = @now
            WHERE id = @LeaseId AND token_hash = @TokenHash AND expires_at_ms > @now
            """, new { fence.LeaseId, fence.TokenHash, expiresAtMs, now = unit.Now }) == 1;

    public bool End(LeaseFence fence) =>
        unit.Db.Execute("DELETE FROM leases WHERE id = @LeaseId AND token_hash = @TokenHash AND expires_at_ms > @now",
            new { fence.LeaseId, fence.TokenHash, now = unit.Now }) == 1;

    /// <summary>SKIP LOCKED: a lease another unit holds (its holder heartbeating, another sweeper) is left to it.</summary>
    public IReadOnlyList<LeaseRow> Expired(int max) =>
        unit.Db.Query<LeaseRow>($"""
            SELECT {LeaseColumns} FROM leases WHERE expires_at_ms <= @now ORDER BY expires_at_ms LIMIT @max FOR UPDATE SKIP LOCKED
            """, new { now = unit.Now, max }).AsList();

    /// <summary>Re-checked on the row itself: a heartbeat that committed since the read above wins.</summary>
    public bool Reap(LeaseRow lease) =>
        unit.Db.Execute("DELETE FROM leases WHERE id = @Id AND expires_at_ms <= @now", new { lease.Id, now = unit.Now }) == 1;

    public void Revoke(LeaseRow lease, string reason, string actor) =>
        unit.Db.Execute("""
            DELETE FROM leases WHERE id = @Id;
            INSERT INTO revoked_leases (id, run_id, task_id, token_hash, reason, actor, revoked_at_ms)
            VALUES (@Id, @RunId, @TaskId, @TokenHash, @reason, @actor, @now) ON CONFLICT DO NOTHING;
            """, new { lease.Id, lease.RunId, lease.TaskId, lease.TokenHash, reason, actor, now = unit.Now });

    public RevokedLease? Revoked(string? leaseId, string? runId) =>
        unit.Db.QuerySingleOrDefault<RevokedLease>($"""
            SELECT id, run_id, task_id, token_hash, reason, actor, revoked_at_ms FROM revoked_leases
            WHERE {(leaseId is not null ? "id = @leaseId" : "run_id = @runId")} LIMIT 1
            """, new { leaseId, runId });
}
