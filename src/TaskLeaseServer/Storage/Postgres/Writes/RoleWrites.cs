using Dapper;

namespace TaskLeaseServer.Storage.Postgres.Writes;

internal sealed class RoleWrites(PostgresWriteUnit unit) : IRoleWrites
{
    public bool IsPaused(string role) =>
        unit.Db.ExecuteScalar<bool?>("SELECT paused FROM role_controls WHERE role = @role", new { role }) == true;

    public bool Set(string role, bool paused, bool drain, string? reason, string actor)
    {
        var was = IsPaused(role);
        unit.Db.Execute("""
            INSERT INTO role_controls (role, paused, drain_requested, reason, actor, updated_at_ms)
            VALUES (@role, @paused, @drain, @reason, @actor, @now)
            ON CONFLICT (role) DO UPDATE SET paused = excluded.paused, drain_requested = excluded.drain_requested,
              reason = excluded.reason, actor = excluded.actor, updated_at_ms = excluded.updated_at_ms
            """, new { role, paused, drain = paused && drain, reason = paused ? reason : null, actor, now = unit.Now });
        return was != paused;
    }

    public IReadOnlyList<string> Known() =>
        unit.Db.Query<string>("""
            SELECT agent_role FROM pipeline_stage_roles WHERE agent_role IS NOT NULL
            UNION SELECT role FROM role_controls ORDER BY 1
            """).AsList();

    public void AppendEvent(string role, string kind, string dataJson) =>
        unit.Db.Execute("INSERT INTO role_events (ts_ms, kind, role, data_json) VALUES (@now, @kind, @role, @dataJson)",
            new { now = unit.Now, kind, role, dataJson });
}
