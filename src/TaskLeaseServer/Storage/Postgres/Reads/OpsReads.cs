using Dapper;
using Npgsql;

namespace TaskLeaseServer.Storage.Postgres.Reads;

/// <summary>
/// /health and /ops/queue from folded counters plus their pending deltas, and from the partial
/// indexes that hold only ready tasks, tasks with failures, running runs and leases: never a walk
/// of the backlog or of the run history. All figures of one answer come from one snapshot.
/// </summary>
internal sealed partial class PostgresReads
{
    public HealthFigures Health(long now) => Snapshot(db =>
    {
        var stages = db.Query<StageCount>("""
            SELECT stage, SUM(n)::bigint AS count FROM (
                SELECT stage, count AS n FROM stage_counts
                UNION ALL SELECT stage, delta FROM stage_count_deltas) c
            GROUP BY stage HAVING SUM(n) > 0 ORDER BY stage
            """).AsList();
        var active = db.ExecuteScalar<long>("SELECT COUNT(*) FROM leases WHERE expires_at_ms > @now", new { now });
        return new HealthFigures(stages, active);
    });

    public IReadOnlyList<RoleQueue> Queue(long now, long stuckBeforeMs, long expiresByMs) => Snapshot(db =>
    {
        var roles = db.Query<string>(
            "SELECT agent_role FROM pipeline_stage_roles WHERE agent_role IS NOT NULL ORDER BY pipeline_id, stage")
            .Distinct(StringComparer.Ordinal).ToList();

        var claimable = ClaimableByRole(db, now);
        var failed = ByRole(db, """
            SELECT role, SUM(failed_runs)::bigint AS count FROM tasks
            WHERE role IS NOT NULL AND failed_runs > 0 GROUP BY role
            """, null);
        var stuck = ByRole(db, """
            SELECT t.role, COUNT(*) AS count FROM runs r JOIN tasks t ON t.id = r.task_id
            WHERE r.status = 'running' AND r.started_at_ms <= @stuckBeforeMs AND t.role IS NOT NULL
            GROUP BY t.role
            """, new { stuckBeforeMs });
        var nearExpiry = ByRole(db, """
            SELECT t.role, COUNT(*) AS count FROM leases l JOIN tasks t ON t.id = l.task_id
            WHERE l.expires_at_ms > @now AND l.expires_at_ms <= @expiresByMs AND t.role IS NOT NULL
            GROUP BY t.role
            """, new { now, expiresByMs });

        return roles.Select(role => new RoleQueue(role,
            claimable.GetValueOrDefault(role)?.Count ?? 0,
            claimable.GetValueOrDefault(role)?.Oldest,
            failed.GetValueOrDefault(role)?.Count ?? 0,
            stuck.GetValueOrDefault(role)?.Count ?? 0,
            nearExpiry.GetValueOrDefault(role)?.Count ?? 0)).ToList();
    });

    public IReadOnlyList<(string Role, long Count)> ReadyByRole() => Read(db =>
        db.Query<(string Role, long Count)>("""
            SELECT role, COUNT(*) FROM tasks
            WHERE role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL AND NOT retry_wait
              AND NOT paused AND canceled_at_ms IS NULL
            GROUP BY role
            """).AsList());

    private static Dictionary<string, RoleCount> ClaimableByRole(NpgsqlConnection db, long now) =>
        // Claimable as the ops view counts it: assignments ignored, and a retry whose delay has
        // passed counts even before the sweeper clears retry_wait (ix_tasks_ops_ready).
        ByRole(db, """
            SELECT role, COUNT(*) AS count, MIN(created_at_ms) AS oldest FROM tasks
            WHERE role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL
              AND NOT paused AND canceled_at_ms IS NULL AND next_eligible_at_ms <= @now AND not_before_ms <= @now
            GROUP BY role
            """, new { now });

    private sealed class RoleCount
    {
        public string Role { get; set; } = "";
        public long Count { get; set; }
        public long? Oldest { get; set; }
    }

    private static Dictionary<string, RoleCount> ByRole(NpgsqlConnection db, string sql, object? args) =>
        db.Query<RoleCount>(sql, args).ToDictionary(r => r.Role, StringComparer.Ordinal);
}
