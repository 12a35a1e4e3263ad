using Dapper;

namespace TaskLeaseServer.Storage.Sqlite.Reads;

/// <summary>The dashboard's reads (UiSql), each on the index it names.</summary>
internal sealed partial class SqliteReads
{
    private static string Indexed(string index) => "INDEXED BY " + index;

    public RowPage<TaskRow> Attention(AttentionLane lane, long now, long stuckBeforeMs, int limit, (long Key, string Id)? after = null)
    {
        using var db = Open();
        var sql = UiSql.Lane(lane, Indexed, paged: after is not null);
        var args = new { now, stuckBeforeMs, take = limit + 1, afterKey = after?.Key, afterId = after?.Id };
        return RowPage<TaskRow>.Of(db.Query<TaskRow>(sql, args).AsList(), limit);
    }

    public RowPage<TaskRow> Dependents(string taskId, int limit)
    {
        using var db = Open();
        return RowPage<TaskRow>.Of(db.Query<TaskRow>(UiSql.Dependents, new { taskId, take = limit + 1 }).AsList(), limit);
    }

    public RowPage<AgentRow> Agents(string? afterAgentId, int limit, long now)
    {
        using var db = Open();
        using var snapshot = ReadSnapshot.Begin(db);
        return UiSql.Agents(db, "IN @agents", afterAgentId, limit, now);
    }

    public RowPage<LeaseViewRow> Leases(string? agentId, int limit)
    {
        using var db = Open();
        return RowPage<LeaseViewRow>.Of(db.Query<LeaseViewRow>(UiSql.Leases(agentId is not null), new { agentId, take = limit + 1 }).AsList(), limit);
    }

    public RowPage<TaskRow> LeasedTasks(TaskFilter filter)
    {
        var (sql, args) = UiSql.LeasedTasks(filter, Dialect);
        using var db = Open();
        return RowPage<TaskRow>.Of(db.Query<TaskRow>(sql, args).AsList(), filter.Limit);
    }
}
