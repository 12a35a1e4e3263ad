using Dapper;
using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite;

public sealed record RoleQueue(string Role, long ClaimableCount, long? OldestClaimableCreatedAtMs, long FailedCount,
    long StuckCount, long NearExpiryLeases);

/// <summary>
/// The per-role queue picture of GET /ops/queue (CONTRACT §8.25), read from indexes that hold only
/// ready tasks, tasks with failures, running runs and leases: never a walk of the backlog or of the
/// run history. Each figure is grouped by the task's current role, which is the role of its
/// (pipeline, stage) pair, so summing over a role's pairs is grouping by role.
/// </summary>
public sealed class OpsQueueStore(SqliteDatabase database)
{
    private sealed class RoleCount
    {
        public string Role { get; set; } = "";
        public long Count { get; set; }
        public long? Oldest { get; set; }
    }

    /// <param name="stuckBeforeMs">runs started at or before this are stuck</param>
    /// <param name="expiresByMs">leases expiring after now and at or before this are near expiry</param>
    public IReadOnlyList<RoleQueue> Read(long now, long stuckBeforeMs, long expiresByMs)
    {
        using var db = database.OpenRead();
        using var snapshot = ReadSnapshot.Begin(db);
        var roles = db.Query<string>(
            "SELECT agent_role FROM pipeline_stage_roles WHERE agent_role IS NOT NULL ORDER BY pipeline_id, stage")
            .Distinct(StringComparer.Ordinal).ToList();

        // §7.7 rules 1-5; a retry whose delay has passed counts even before the sweeper clears retry_wait.
        var claimable = ByRole(db, """
            SELECT role, COUNT(*) AS count, MIN(created_at_ms) AS oldest FROM tasks INDEXED BY ix_tasks_ops_ready
            WHERE role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL
              AND next_eligible_at_ms <= @now
            GROUP BY role
            """, new { now });
        var failed = ByRole(db, """
            SELECT role, SUM(failed_runs) AS count FROM tasks INDEXED BY ix_tasks_failed_runs
            WHERE role IS NOT NULL AND failed_runs > 0 GROUP BY role
            """, null);
        var stuck = ByRole(db, """
            SELECT t.role, COUNT(*) AS count FROM runs r INDEXED BY ix_runs_running JOIN tasks t ON t.id = r.task_id
            WHERE r.status = 'running' AND r.started_at_ms <= @stuckBeforeMs AND t.role IS NOT NULL
            GROUP BY t.role
            """, new { stuckBeforeMs });
        var nearExpiry = ByRole(db, """
            SELECT t.role, COUNT(*) AS count FROM leases l INDEXED BY ix_leases_expiry JOIN tasks t ON t.id = l.task_id
            WHERE l.expires_at_ms > @now AND l.expires_at_ms <= @expiresByMs AND t.role IS NOT NULL
            GROUP BY t.role
            """, new { now, expiresByMs });

        return roles.Select(role => new RoleQueue(role,
            claimable.GetValueOrDefault(role)?.Count ?? 0,
            claimable.GetValueOrDefault(role)?.Oldest,
            failed.GetValueOrDefault(role)?.Count ?? 0,
            stuck.GetValueOrDefault(role)?.Count ?? 0,
            nearExpiry.GetValueOrDefault(role)?.Count ?? 0)).ToList();
    }

    private static Dictionary<string, RoleCount> ByRole(SqliteConnection db, string sql, object? args) =>
        db.Query<RoleCount>(sql, args).ToDictionary(r => r.Role, StringComparer.Ordinal);
}
