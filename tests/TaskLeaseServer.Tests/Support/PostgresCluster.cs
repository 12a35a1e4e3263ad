using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Storage.Postgres;

namespace TaskLeaseServer.Tests.Support;

/// <summary>
/// A PostgreSQL server for the tests, one per test run: TLS_TEST_POSTGRES (a postgresql:// URL
/// of a role that may create databases) when set; otherwise a throwaway cluster made with the
/// Debian binaries (initdb + pg_ctl as the postgres OS user, in a temp directory, on a free
/// loopback port), stopped when the test process exits; the package is installed first when it is
/// missing and the tests run as root. Each caller gets a fresh database cloned from a migrated
/// template. With no server to be had, the facts fail with a message that says how to get one:
/// they never pass without a server.
/// </summary>
public static class PostgresCluster
{
    private static readonly Lazy<Server> Instance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lock CreateLock = new();
    private const string Template = "tls_template";

    /// <summary>A new, migrated, empty database; returns its postgresql:// URL.</summary>
    public static string NewDatabase()
    {
        var server = Instance.Value;
        var name = "tls_" + Guid.NewGuid().ToString("N");
        // CREATE DATABASE … TEMPLATE needs the template to have no sessions; one clone at a time.
        lock (CreateLock) server.Admin($"CREATE DATABASE {name} TEMPLATE {Template} STRATEGY FILE_COPY");
        return server.UrlOf(name);
    }

    /// <summary>A new database with no schema at all (for migration facts); returns its URL.</summary>
    public static string NewEmptyDatabase()
    {
        var server = Instance.Value;
        var name = "tls_" + Guid.NewGuid().ToString("N");
        server.Admin($"CREATE DATABASE {name}");
        return server.UrlOf(name);
    }

    public static void DropDatabase(string url)
    {
        var name = PostgresUrl.Parse(url).Database!;
        Instance.Value.Admin($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    private static Server Start()
    {
        var given = Environment.GetEnvironmentVariable("TLS_TEST_POSTGRES");
        var server = string.IsNullOrEmpty(given) ? Throwaway() : new Server(PostgresUrl.Parse(given), null);
        server.Admin($"DROP DATABASE IF EXISTS {Template} WITH (FORCE)");
        server.Admin($"CREATE DATABASE {Template}");
        // Migrated once; every test database is a copy. Disposing the engine closes its sessions.
        using (var engine = new PostgresEngine(new StorageOptions(server.UrlOf(Template)), new CommitSignal(), TimeProvider.System))
            engine.Migrate();
        return server;
    }

    /// <summary>The newest installed PostgreSQL's bin directory, or null.</summary>
    private static string? Binaries() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderBy(b => b, StringComparer.Ordinal).LastOrDefault()
        : null;

    /// <summary>
    /// The README's one test command must pass on a fresh machine: as root with apt-get, the tests
    /// install Debian's postgresql package themselves (once, a minute or two) when it is missing.
    /// </summary>
    private static string? InstallBinaries()
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/apt-get")) return null;
        Exec("/usr/bin/apt-get", "update", "-qq");
        Exec("/usr/bin/env", "DEBIAN_FRONTEND=noninteractive", "/usr/bin/apt-get", "install", "-y", "-qq", "postgresql");
        return Binaries();
    }

    private static Server Throwaway()
    {
        var bin = Binaries() ?? InstallBinaries();
        if (bin is null)
        {
            throw new InvalidOperationException(Environment.GetEnvironmentVariable("CI") == "true"
                ? "CI: the PostgreSQL facts need a server, and none is installed: .ci/run must install Debian's postgresql package"
                : "the PostgreSQL facts need a server: install Debian's postgresql package (initdb under /usr/lib/postgresql/*/bin) " +
                  "or set TLS_TEST_POSTGRES=postgresql://user:password@host:port/postgres");
        }
        RemoveStopped();
        var dir = Directory.CreateTempSubdirectory("tls-pg-").FullName;
        var asRoot = Environment.UserName == "root";
        if (asRoot) Exec("chown", "postgres:", dir);
        var port = FreePort();
        var data = Path.Combine(dir, "data");
        Exec(asRoot, Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "-N");
        // fsync off: a test cluster need not survive a power cut, and every commit is cheaper.
        Exec(asRoot, Path.Combine(bin, "pg_ctl"), "-D", data, "-l", Path.Combine(dir, "log"), "-w", "-t", "60", "-o",
            $"-c listen_addresses=127.0.0.1 -p {port} -k {dir} -c max_connections=300 -c fsync=off -c full_page_writes=off", "start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Exec(asRoot, Path.Combine(bin, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"); }
            catch (InvalidOperationException) { /* already stopped */ }
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { /* the next run removes it (RemoveStopped) */ }
        };
        var builder = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres" };
        return new Server(builder, dir);
    }

    /// <summary>
    /// Clusters of earlier runs that were stopped but not removed (a test process cut short). Only
    /// old ones: a younger directory without a postmaster.pid may be another run still in initdb.
    /// </summary>
    private static void RemoveStopped()
    {
        foreach (var old in Directory.GetDirectories(Path.GetTempPath(), "tls-pg-*"))
        {
            if (File.Exists(Path.Combine(old, "data", "postmaster.pid"))) continue;
            if (Directory.GetLastWriteTimeUtc(old) > DateTime.UtcNow.AddHours(-1)) continue;
            try { Directory.Delete(old, recursive: true); }
            catch (IOException) { /* in use or racing another run: leave it */ }
            catch (UnauthorizedAccessException) { /* not ours to remove */ }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static void Exec(bool asPostgres, string file, params string[] args) =>
        Exec(asPostgres ? "runuser" : file, asPostgres ? ["-u", "postgres", "--", file, .. args] : args);

    private static void Exec(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {error}{output.Result}");
    }

    private sealed class Server(NpgsqlConnectionStringBuilder admin, string? dir)
    {
        public string? Dir => dir;

        public void Admin(string sql)
        {
            var builder = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Pooling = false };
            using var db = new NpgsqlConnection(builder.ConnectionString);
            db.Open();
            using var command = new NpgsqlCommand(sql, db);
            command.ExecuteNonQuery();
        }

        public string UrlOf(string database) =>
            $"postgresql://{Uri.EscapeDataString(admin.Username ?? "postgres")}" +
            (admin.Password is { } password ? ":" + Uri.EscapeDataString(password) : "") +
            $"@{admin.Host}:{admin.Port}/{database}";
    }
}
