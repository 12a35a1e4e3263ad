using System.Diagnostics;
using TaskLeaseServer.Testing;

namespace TaskLeaseServer.Bench.Harness;

/// <summary>
/// The real server as a child process on a temporary database and a free loopback port. Its log goes
/// to a file beside the database (through `exec`, so the process id is the server's own and
/// /proc/&lt;pid&gt;/status describes it).
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private ServerProcess(Process process, string dir, Uri url)
    {
        _process = process;
        _dir = dir;
        Url = url;
    }

    public Uri Url { get; }
    public string LogPath => Path.Combine(_dir, "server.log");
    public int Pid => _process.Id;

    /// <param name="db">a --db value (a PostgreSQL URL); null for a fresh SQLite file in the temp directory</param>
    public static async Task<ServerProcess> Start(string? serverDll, string? db = null)
    {
        var dll = serverDll ?? ServerLaunch.ServerDll("Release");
        var dir = Directory.CreateTempSubdirectory("tls-bench-").FullName;
        var port = ServerLaunch.FreePort();
        var info = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList =
            {
                "-c", "exec dotnet \"$0\" \"$@\" >\"$LOG\" 2>&1", dll,
                "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--db", db ?? Path.Combine(dir, "bench.db"),
            },
            UseShellExecute = false,
        };
        ServerLaunch.Scrub(info);
        info.Environment["LOG"] = Path.Combine(dir, "server.log");
        info.Environment["NULLTICKETS_HOME"] = dir;
        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet");
        var server = new ServerProcess(process, dir, new Uri($"http://127.0.0.1:{port}"));
        await server.WaitUntilHealthy();
        return server;
    }

    /// <summary>Peak resident set size (VmHWM) in bytes, or null when /proc does not say.</summary>
    public long? PeakRssBytes() => ProcStatus.Kilobytes(Pid, "VmHWM") * 1024;

    public long? CurrentRssBytes() => ProcStatus.Kilobytes(Pid, "VmRSS") * 1024;

    /// <summary>CPU time the server has used so far (user + system), from /proc/&lt;pid&gt;/stat.</summary>
    public TimeSpan? CpuTime() => ProcStatus.CpuTime(Pid);

    private Task WaitUntilHealthy() =>
        ServerLaunch.WaitForHealthAsync(_process, Url.Port, TimeSpan.FromSeconds(60),
            () => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* a temp dir left behind is harmless */ }
    }
}
