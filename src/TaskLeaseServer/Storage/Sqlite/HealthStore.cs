using Dapper;

namespace TaskLeaseServer.Storage.Sqlite;

public sealed record StageCount(string Stage, long Count);

/// <summary>Figures for GET /health, read from counters and indexes, never from a scan of the backlog.</summary>
public sealed class HealthStore(SqliteDatabase database)
{
    public (IReadOnlyList<StageCount> Stages, long ActiveLeases) Read(long now)
    {
        using var db = database.OpenRead();
        using var snapshot = ReadSnapshot.Begin(db);
        var stages = db.Query<StageCount>(
            "SELECT stage, count FROM stage_counts WHERE count > 0 ORDER BY stage").AsList();
        var active = db.ExecuteScalar<long>("SELECT COUNT(*) FROM leases WHERE expires_at_ms > @now", new { now });
        return (stages, active);
    }
}
