using Dapper;
using Npgsql;
using TaskLeaseServer.Storage.Postgres.Writes;

namespace TaskLeaseServer.Storage.Postgres;

/// <summary>
/// One unit of work: a pooled connection inside its own READ COMMITTED transaction, the unit's
/// clock reading, and the claim signals it raised, held until the commit.
/// </summary>
internal sealed class PostgresWriteUnit : IWriteUnit
{
    private readonly List<string> _signals = [];
    private int _nestedDepth;

    public PostgresWriteUnit(NpgsqlConnection db, PipelineCatalog catalog, long now)
    {
        Db = db;
        Now = now;
        Pipelines = new PipelineWrites(this, catalog);
        Tasks = new TaskWrites(this);
        Dependencies = new DependencyWrites(this);
        Assignments = new AssignmentWrites(this);
        Leases = new LeaseWrites(this);
        Runs = new RunWrites(this);
        Idempotency = new IdempotencyWrites(this);
        Kv = new KvWrites(this);
        Artifacts = new ArtifactWrites(this);
        Otlp = new OtlpWrites(this);
        Keys = new ApiKeyWrites(this);
        Roles = new RoleWrites(this);
    }

    public NpgsqlConnection Db { get; }
    public long Now { get; }

    public IPipelineWrites Pipelines { get; }
    public ITaskWrites Tasks { get; }
    public IDependencyWrites Dependencies { get; }
    public IAssignmentWrites Assignments { get; }
    public ILeaseWrites Leases { get; }
    public IRunWrites Runs { get; }
    public IIdempotencyWrites Idempotency { get; }
    public IKvWrites Kv { get; }
    public IArtifactWrites Artifacts { get; }
    public IOtlpWrites Otlp { get; }
    public IApiKeyWrites Keys { get; }
    public IRoleWrites Roles { get; }

    /// <summary>The roles the unit raised, once its commit has succeeded.</summary>
    public string[] Signals => _signals.Distinct(StringComparer.Ordinal).ToArray();

    public void Claimable(string? role)
    {
        if (role is not null) _signals.Add(role);
    }

    public T Nested<T>(Func<T> work, Func<T, bool> keep)
    {
        // Savepoint names nest by depth, so a nested part inside another rolls back only itself.
        var name = "nested" + _nestedDepth++;
        var mark = _signals.Count;
        Db.Execute("SAVEPOINT " + name);
        try
        {
            var result = work();
            if (!keep(result)) Undo(name, mark);
            else Db.Execute("RELEASE SAVEPOINT " + name);
            return result;
        }
        catch (Exception e) when (!PostgresErrors.IsRetryable(e) && !PostgresErrors.IsUnavailable(e))
        {
            // A lost race or a lost connection ends the whole unit (the executor retries or answers
            // 503); anything else is the part's own failure, undone here.
            Undo(name, mark);
            throw;
        }
        finally
        {
            _nestedDepth--;
        }
    }

    private void Undo(string savepoint, int signalMark)
    {
        Db.Execute($"ROLLBACK TO SAVEPOINT {savepoint}; RELEASE SAVEPOINT {savepoint}");
        _signals.RemoveRange(signalMark, _signals.Count - signalMark);
    }
}
