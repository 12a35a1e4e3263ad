using TaskLeaseServer.Conformance.Infrastructure;
using TaskLeaseServer.Testing;

namespace TaskLeaseServer.Conformance.Agents.Postgres;

/// <summary>
/// Fresh PostgreSQL databases for facts about PostgreSQL itself, in either pass of the suite: the
/// run's cluster when it targets PostgreSQL (<see cref="TestDatabase"/>), else a throwaway cluster
/// of this fixture's own (<see cref="OwnCluster"/>), started on first use.
/// </summary>
public sealed class PostgresDatabases : IDisposable
{
    private OwnCluster? _cluster;

    public string NewDatabase()
    {
        if (TestDatabase.Engine == "postgresql") return TestDatabase.Fresh(Path.GetTempPath());
        _cluster ??= new OwnCluster();
        return _cluster.NewDatabase();
    }

    public void Dispose() => _cluster?.Dispose();
}
