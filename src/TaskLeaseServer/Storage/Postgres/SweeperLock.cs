using Dapper;
using Npgsql;

namespace TaskLeaseServer.Storage.Postgres;

/// <summary>
/// The sweeper's leader among the nodes on one database: whoever holds a session-level advisory
/// lock on a dedicated connection of its own (not pooled, so the lock can never be left behind on
/// a connection another request reuses, npgsql#5592). The lock lives exactly as long as that
/// session: a node killed with -9 drops its socket, PostgreSQL ends the session at once and the
/// lock is free on the next tick of any other node. A host that vanishes without closing its socket
/// is found by the server's TCP keepalives on this session (about 25 s). A leader whose connection
/// breaks steps down on the tick that notices and contends again once the database answers.
/// </summary>
internal sealed class SweeperLock : ISweeperLeadership, IDisposable
{
    private const string Key = "hashtextextended('tls:sweeper', 0)";

    private readonly string _connectionString;
    private readonly string _self;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private NpgsqlConnection? _session;
    private bool _leading;

    public SweeperLock(NpgsqlConnectionStringBuilder pooled)
    {
        var builder = new NpgsqlConnectionStringBuilder(pooled.ConnectionString)
        {
            Pooling = false,
            // Bounded waits: a tick never hangs on a database that does not answer.
            Timeout = Math.Min(pooled.Timeout, 5),
            CommandTimeout = 5,
            // The server ends the session of a host that vanished (no FIN, no RST) after
            // 10 s + 3 × 5 s of silence, which frees the lock for another node.
            Options = pooled.Options + " -c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3",
        };
        builder.ApplicationName = (pooled.ApplicationName ?? "tls") + " sweeper";
        _self = pooled.ApplicationName ?? "this node";
        _connectionString = builder.ConnectionString;
    }

    public async Task<SweeperStatus> Hold(CancellationToken cancel)
    {
        await _oneAtATime.WaitAsync(cancel);
        try
        {
            _session ??= await Open(cancel);
            if (_leading)
            {
                // Nobody can take a live session's lock; the session answering is the lease.
                await _session.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancel));
                return new SweeperStatus(true, _self);
            }
            _leading = await _session.ExecuteScalarAsync<bool>(new CommandDefinition($"SELECT pg_try_advisory_lock({Key})", cancellationToken: cancel));
            if (_leading) return new SweeperStatus(true, _self);
            // Who leads, for the log line: the application name of the session holding the lock.
            var leader = await _session.ExecuteScalarAsync<string?>(new CommandDefinition($"""
                SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = {Key}
                LIMIT 1
                """, cancellationToken: cancel));
            return new SweeperStatus(false, leader?.Replace(" sweeper", "", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
        {
            // Lost the session (and with it the lock, if we held it): step down, contend next tick.
            StepDown();
            return new SweeperStatus(false, null, e.Message);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<NpgsqlConnection> Open(CancellationToken cancel)
    {
        var session = new NpgsqlConnection(_connectionString);
        try
        {
            await session.OpenAsync(cancel);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    private void StepDown()
    {
        _leading = false;
        _session?.Dispose();
        _session = null;
    }

    public void Dispose()
    {
        // Closing the session releases the lock; another node leads from its next tick.
        StepDown();
        _oneAtATime.Dispose();
    }
}
