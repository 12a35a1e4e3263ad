using Dapper;

namespace TaskLeaseServer.Storage.Postgres.Reads;

/// <summary>The dashboard's reads (UiSql); the planner picks the partial indexes of migration 008.</summary>
internal sealed partial class PostgresReads
{
    public RowPage<TaskRow> Attention(AttentionLane lane, long now, long stuckBeforeMs, int limit, (long Key, string Id)? after = null) => Read(db =>
        RowPage<TaskRow>.Of(db.Query<TaskRow>(UiSql.Lane(lane, _ => "", paged: after is not null),
            new { now, stuckBeforeMs, take = limit + 1, afterKey = after?.Key, afterId = after?.Id }).AsList(), limit));

    public RowPage<TaskRow> Dependents(string taskId, int limit) => Read(db =>
        RowPage<TaskRow>.Of(db.Query<TaskRow>(UiSql.Dependents, new { taskId, take = limit + 1 }).AsList(), limit));

    public RowPage<AgentRow> Agents(string? afterAgentId, int limit, long now) =>
        Snapshot(db => UiSql.Agents(db, "= ANY(@agents)", afterAgentId, limit, now));

    public RowPage<LeaseViewRow> Leases(string? agentId, int limit) => Read(db =>
        RowPage<LeaseViewRow>.Of(db.Query<LeaseViewRow>(UiSql.Leases(agentId is not null), new { agentId, take = limit + 1 }).AsList(), limit));

    public RowPage<TaskRow> LeasedTasks(TaskFilter filter)
    {
        var (sql, args) = UiSql.LeasedTasks(filter, Dialect);
        return RowPage<TaskRow>.Of(Read(db => db.Query<TaskRow>(sql, args).AsList()), filter.Limit);
    }
}
