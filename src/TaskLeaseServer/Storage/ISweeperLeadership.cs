namespace TaskLeaseServer.Storage;

/// <summary>
/// Which process runs the sweeper. One process owns a SQLite file, so it always does; several
/// nodes on one PostgreSQL database elect one, and another takes over when it dies. Reaps are
/// fenced in their own SQL, so two nodes that both believe they lead (a leader cut off from the
/// database and not yet aware of it) still apply each expiry once: leadership saves work, it is
/// not what keeps the data right.
/// </summary>
public interface ISweeperLeadership
{
    /// <summary>
    /// Called on every sweep tick: contends for the leadership when this node does not hold it, and
    /// checks that it still does when it does. Returns whether this node should sweep now; never
    /// throws for an unreachable database (that is "not leading" until it answers again).
    /// </summary>
    Task<SweeperStatus> Hold(CancellationToken cancel);
}

/// <summary>
/// What this node knows of the sweeper after a tick: whether it leads, and who does when it
/// knows (a node name, e.g. the PostgreSQL application name), or why it could not tell.
/// </summary>
public sealed record SweeperStatus(bool Leading, string? Leader, string? Problem = null)
{
    public static SweeperStatus Alone { get; } = new(true, "this process (one process per database)");
}

/// <summary>The one-process engines: this node always sweeps.</summary>
public sealed class SoleSweeper : ISweeperLeadership
{
    public static SoleSweeper Instance { get; } = new();

    public Task<SweeperStatus> Hold(CancellationToken cancel) => Task.FromResult(SweeperStatus.Alone);
}
