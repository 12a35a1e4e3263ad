using Dapper;
using Npgsql;

namespace TaskLeaseServer.Storage.Postgres.Reads;

/// <summary>
/// API keys, role controls and role events. A key is read on every request that presents one, so
/// a key deleted on any node is refused by every node from its next request on (no cache).
/// </summary>
internal sealed partial class PostgresReads
{
    public ApiKeyRow? ApiKey(byte[] keyHash) => Read(db =>
        db.QuerySingleOrDefault<ApiKeyRow>($"SELECT {ApiKeyRow.Columns} FROM api_keys WHERE key_hash = @keyHash", new { keyHash }));

    public RowPage<ApiKeyRow> ApiKeys((long CreatedAtMs, string Id)? after, int limit) => Read(db =>
        RowPage<ApiKeyRow>.Of(db.Query<ApiKeyRow>($"""
            SELECT {ApiKeyRow.Columns} FROM api_keys
            WHERE @afterTime::bigint IS NULL OR (created_at_ms, id) > (@afterTime, @afterId::text)
            ORDER BY created_at_ms, id LIMIT @take
            """, new { afterTime = after?.CreatedAtMs, afterId = after?.Id, take = limit + 1 }).AsList(), limit));

    public IReadOnlyList<RoleStateRow> Roles(long now, bool claimable = true) => Snapshot(db =>
    {
        var controls = db.Query<RoleStateRow>("SELECT role, paused, drain_requested, reason FROM role_controls")
            .ToDictionary(r => r.Role, StringComparer.Ordinal);
        var roles = db.Query<string>("""
            SELECT agent_role FROM pipeline_stage_roles WHERE agent_role IS NOT NULL
            UNION SELECT role FROM role_controls ORDER BY 1
            """);
        var counts = claimable ? ClaimableByRole(db, now) : [];
        var active = LeasesByRole(db, now);
        return (IReadOnlyList<RoleStateRow>)roles.Select(role =>
        {
            var row = controls.GetValueOrDefault(role) ?? new RoleStateRow { Role = role };
            row.ClaimableCount = counts.GetValueOrDefault(role)?.Count ?? 0;
            row.ActiveLeases = active.GetValueOrDefault(role);
            return row;
        }).ToList();
    });

    public long ActiveLeases(string? role, long now) => Read(db =>
        db.ExecuteScalar<long>("""
            SELECT COUNT(*) FROM leases l JOIN tasks t ON t.id = l.task_id
            WHERE l.expires_at_ms > @now AND (@role::text IS NULL OR t.role = @role::text)
            """, new { role, now }));

    public RowPage<RoleEventRow> RoleEvents(long? afterId, int limit) => Read(db =>
        RowPage<RoleEventRow>.Of(db.Query<RoleEventRow>("""
            SELECT id, ts_ms, kind, role, data_json FROM role_events WHERE id > @after ORDER BY id LIMIT @take
            """, new { after = afterId ?? 0, take = limit + 1 }).AsList(), limit));

    public IReadOnlyList<StageLeases> LiveLeasesByStage(long now) => Read(db =>
        db.Query<StageLeases>("""
            SELECT t.pipeline_id AS pipelineid, t.stage AS stage, COUNT(*) AS count FROM leases l JOIN tasks t ON t.id = l.task_id
            WHERE l.expires_at_ms > @now GROUP BY t.pipeline_id, t.stage
            """, new { now }).AsList());

    private static Dictionary<string, long> LeasesByRole(NpgsqlConnection db, long now) =>
        db.Query<(string Role, long Count)>("""
            SELECT t.role, COUNT(*) FROM leases l JOIN tasks t ON t.id = l.task_id
            WHERE l.expires_at_ms > @now AND t.role IS NOT NULL GROUP BY t.role
            """, new { now }).ToDictionary(r => r.Role, r => r.Count, StringComparer.Ordinal);
}
