using Dapper;
using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite.Reads;

/// <summary>
/// /health and /ops/queue, read from counters and from indexes that hold only ready tasks, tasks
/// with failures, running runs and leases: never a walk of the backlog or of the run history. Each
/// figure is grouped by the task's current role, the role of its (pipeline, stage) pair.
/// </summary>
internal sealed partial class SqliteReads
{
    public HealthFigures Health(long now)
    {
        using var db = Open();
        using var snapshot = ReadSnapshot.Begin(db);
        var stages = db.Query<StageCount>("SELECT stage, count FROM stage_counts WHERE count > 0 ORDER BY stage").AsList();
        var active = db.ExecuteScalar<long>("SELECT COUNT(*) FROM leases WHERE expires_at_ms > @now", new { now });
        return new HealthFigures(stages, active);
    }

    public IReadOnlyList<RoleQueue> Queue(long now, long stuckBeforeMs, long expiresByMs)
    {
        using var db = Open();
        using var snapshot = ReadSnapshot.Begin(db);
        var roles = db.Query<string>(
            "SELECT agent_role FROM pipeline_stage_roles WHERE agent_role IS NOT NULL ORDER BY pipeline_id, stage")
            .Distinct(StringComparer.Ordinal).ToList();

        var claimable = ClaimableByRole(db, now);
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

    public IReadOnlyList<(string Role, long Count)> ReadyByRole()
    {
        using var db = Open();
        return db.Query<(string Role, long Count)>($"""
            SELECT role, COUNT(*) FROM tasks INDEXED BY ix_tasks_claim
            WHERE {Claimable} AND retry_wait = 0
            GROUP BY role
            """).AsList();
    }

    /// <summary>The claim's ready terms for any role (ClaimSql.Ready without the role parameter).</summary>
    private const string Claimable =
        "role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL AND paused = 0 AND canceled_at_ms IS NULL";

    private static Dictionary<string, RoleCount> ClaimableByRole(SqliteConnection db, long now) =>
        // Claimable as the ops view counts it: assignments ignored, and a retry whose delay has
        // passed counts even before the sweeper clears retry_wait. Those are exactly the claim
        // index's rows (retry_wait = 0 only ever holds with next_eligible_at_ms <= now: Retries sets
        // it only for a delay already over) plus the due rows of the retry-wait index — the claim's
        // own two places, so no index of its own has to be kept on every task write (004).
        ByRole(db, $"""
            SELECT role, SUM(count) AS count, MIN(oldest) AS oldest FROM (
              SELECT role, COUNT(*) AS count, MIN(created_at_ms) AS oldest FROM tasks INDEXED BY ix_tasks_claim
              WHERE {Claimable} AND retry_wait = 0
              GROUP BY role
              UNION ALL
              SELECT role, COUNT(*), MIN(created_at_ms) FROM tasks INDEXED BY ix_tasks_retry_wait
              WHERE retry_wait = 1 AND {ClaimSql.EligibleAt} <= @now AND {Claimable}
              GROUP BY role)
            GROUP BY role
            """, new { now });

    private sealed class RoleCount
    {
        public string Role { get; set; } = "";
        public long Count { get; set; }
        public long? Oldest { get; set; }
    }

    private static Dictionary<string, RoleCount> ByRole(SqliteConnection db, string sql, object? args) =>
        db.Query<RoleCount>(sql, args).ToDictionary(r => r.Role, StringComparer.Ordinal);
}
