using System.Diagnostics;
using Npgsql;

namespace TaskLeaseServer.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster that one test class owns and may restart, stop or cut off (the
/// multi-node and database-fault facts, the bench's PostgreSQL runs): initdb + pg_ctl from Debian's binaries, as the postgres OS
/// user when the tests run as root, in a temp directory on a free loopback port, removed on dispose.
/// Never a shared cluster: restarting one that other tests use would fail theirs. Fsync is off (the
/// machine never loses power under a test; a crash of PostgreSQL itself still recovers from its WAL).
/// </summary>
public sealed class OwnCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _dir;
    private readonly bool _asRoot = Environment.UserName == "root";

    public OwnCluster()
    {
        _bin = Binaries() ?? throw new InvalidOperationException(
            "no PostgreSQL binaries under /usr/lib/postgresql/*/bin (install Debian's postgresql package; .ci/run does)");
        _dir = Directory.CreateTempSubdirectory("tls-pg-own-").FullName;
        if (_asRoot) Exec("chown", "postgres:", _dir);
        Port = ServerLaunch.FreePort();
        PgCtl("initdb", "-D", Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "-N");
        Start();
    }

    public int Port { get; }

    /// <summary>The postmaster's process id (its backends are its children), for CPU accounting.</summary>
    public int PostmasterPid => int.Parse(File.ReadLines(Path.Combine(Data, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);

    private string Data => Path.Combine(_dir, "data");

    /// <summary>Whether this machine can run a cluster of its own (the facts that need one say so when it cannot).</summary>
    public static string? Unavailable => Binaries() is null
        ? "needs PostgreSQL binaries under /usr/lib/postgresql/*/bin to run a cluster of its own (install Debian's postgresql package; .ci/run does)"
        : null;

    /// <summary>A new empty database; returns the --db URL a server node would be given (its name as application_name).</summary>
    public string NewDatabase()
    {
        var name = "tls_" + Guid.NewGuid().ToString("N")[..16];
        Admin($"CREATE DATABASE {name}");
        return $"postgresql://postgres@127.0.0.1:{Port}/{name}";
    }

    public void Start() => PgCtl("pg_ctl", "-D", Data, "-l", Path.Combine(_dir, "log"), "-w", "-t", "60", "-o",
        $"-c listen_addresses=127.0.0.1 -p {Port} -k {_dir} -c max_connections=300 -c fsync=off -c full_page_writes=off", "start");

    /// <summary><c>pg_ctl stop -m fast|immediate</c>: fast ends every session cleanly; immediate is a crash, recovered from WAL on start.</summary>
    public void Stop(string mode) => PgCtl("pg_ctl", "-D", Data, "-m", mode, "-w", "-t", "60", "stop");

    /// <summary>A connection of the test's own to <paramref name="url"/> (not pooled).</summary>
    public static NpgsqlConnection Connect(string url)
    {
        var uri = new Uri(url);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host, Port = uri.Port, Username = "postgres", Database = uri.AbsolutePath.Trim('/'), Pooling = false, Timeout = 5,
        };
        var db = new NpgsqlConnection(builder.ConnectionString);
        db.Open();
        return db;
    }

    public void Admin(string sql)
    {
        using var db = Connect($"postgresql://postgres@127.0.0.1:{Port}/postgres");
        using var command = new NpgsqlCommand(sql, db);
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        try { Stop("immediate"); }
        catch (InvalidOperationException) { /* already stopped */ }
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* left for the OS's temp clean-up */ }
        catch (UnauthorizedAccessException) { }
    }

    private static string? Binaries() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderBy(b => b, StringComparer.Ordinal).LastOrDefault()
        : null;

    private void PgCtl(string tool, params string[] args)
    {
        var file = Path.Combine(_bin, tool);
        if (_asRoot) Exec("runuser", ["-u", "postgres", "--", file, .. args]);
        else Exec(file, args);
    }

    private static void Exec(string file, params string[] args)
    {
        // From /: the postgres user may not be allowed into the test's working directory.
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {error}{output.Result}");
    }
}

