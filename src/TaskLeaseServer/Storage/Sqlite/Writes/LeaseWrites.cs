using Dapper;

namespace TaskLeaseServer.Storage.Sqlite.Writes;

/// <summary>Claims and leases. Every write a lease protects is conditional on it in its own WHERE.</summary>
internal sealed class LeaseWrites(SqliteWriteUnit unit) : ILeaseWrites
{
    private const string LeaseColumns = "id, run_id, task_id, agent_id, token_hash, ttl_ms, expires_at_ms";

    public TaskRow? ClaimNext(ClaimFilter filter, string leaseId) =>
        unit.Db.QuerySingleOrDefault<TaskRow>(filter.Limited ? ClaimSql.OutsideFullStages : ClaimSql.Any, new
        {
            role = filter.Role, agent = filter.AgentId, now = unit.Now, full = filter.FullStages, limitedPairs = filter.FullPairKeys, leaseId,
        });

    public RunRow Open(TaskRow task, NewLease lease)
    {
        // The attempt number is the task's next one, computed in the insert itself.
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

    public long LiveInStage(string stage) =>
        unit.Db.ExecuteScalar<long>("""
            SELECT COUNT(*) FROM tasks t JOIN leases l ON l.id = t.lease_id
            WHERE t.stage = @stage AND t.lease_id IS NOT NULL AND l.expires_at_ms > @now
            """, new { stage, now = unit.Now });

    /// <summary>The single writer counts one claim at a time.</summary>
    public long LiveInPipelineStage(string pipelineId, string stage) =>
        unit.Db.ExecuteScalar<long>("""
            SELECT COUNT(*) FROM tasks t JOIN leases l ON l.id = t.lease_id
            WHERE t.stage = @stage AND t.pipeline_id = @pipelineId AND t.lease_id IS NOT NULL AND l.expires_at_ms > @now
            """, new { pipelineId, stage, now = unit.Now });

    public LeaseRow? ById(string leaseId) =>
        unit.Db.QuerySingleOrDefault<LeaseRow>($"SELECT {LeaseColumns} FROM leases WHERE id = @leaseId", new { leaseId });

    public LeaseRow? ByRun(string runId) =>
        unit.Db.QuerySingleOrDefault<LeaseRow>($"SELECT {LeaseColumns} FROM leases WHERE run_id = @runId", new { runId });

    public bool Extend(LeaseFence fence, long expiresAtMs) =>
        unit.Db.Execute("""
            UPDATE leases SET expires_at_ms = @expiresAtMs, last_heartbeat_ms = @now
            WHERE id = @LeaseId AND token_hash = @TokenHash AND expires_at_ms > @now
            """, new { fence.LeaseId, fence.TokenHash, expiresAtMs, now = unit.Now }) == 1;

    public bool End(LeaseFence fence) =>
        unit.Db.Execute("DELETE FROM leases WHERE id = @LeaseId AND token_hash = @TokenHash AND expires_at_ms > @now",
            new { fence.LeaseId, fence.TokenHash, now = unit.Now }) == 1;

    public IReadOnlyList<LeaseRow> Expired(int max) =>
        unit.Db.Query<LeaseRow>($"""
            SELECT {LeaseColumns} FROM leases WHERE expires_at_ms <= @now ORDER BY expires_at_ms LIMIT @max
            """, new { now = unit.Now, max }).AsList();

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
