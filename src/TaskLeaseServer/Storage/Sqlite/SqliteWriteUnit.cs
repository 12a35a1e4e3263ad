using Microsoft.Data.Sqlite;
using TaskLeaseServer.Storage.Sqlite.Writes;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// The one unit-of-work object of the writer thread, reused for every unit: the writer connection
/// (already inside the batch's transaction), the unit's clock reading, and the claim signals it
/// raised, held until the commit.
/// </summary>
internal sealed class SqliteWriteUnit : IWriteUnit
{
    private readonly List<string> _signals = [];
    private int _nestedDepth;

    public SqliteWriteUnit(SqliteConnection db, PipelineCatalog catalog)
    {
        Db = db;
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

    public SqliteConnection Db { get; }
    public long Now { get; private set; }

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

    /// <summary>Starts the next unit at <paramref name="now"/>.</summary>
    public void Begin(long now)
    {
        Now = now;
        _signals.Clear();
    }

    /// <summary>The roles the unit raised; taken once it is known to stand.</summary>
    public string[] TakeSignals()
    {
        var roles = _signals.Distinct(StringComparer.Ordinal).ToArray();
        _signals.Clear();
        return roles;
    }

    public void Claimable(string? role)
    {
        if (role is not null) _signals.Add(role);
    }

    public T Nested<T>(Func<T> work, Func<T, bool> keep)
    {
        // Savepoint names nest by depth, so a nested unit inside another rolls back only itself.
        var name = "nested" + _nestedDepth++;
        var mark = _signals.Count;
        SqliteDatabase.Execute(Db, "SAVEPOINT " + name);
        try
        {
            var result = work();
            if (!keep(result)) Undo(name, mark);
            else SqliteDatabase.Execute(Db, "RELEASE " + name);
            return result;
        }
        catch
        {
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
        SqliteDatabase.Execute(Db, $"ROLLBACK TO {savepoint}; RELEASE {savepoint}");
        _signals.RemoveRange(signalMark, _signals.Count - signalMark);
    }
}
