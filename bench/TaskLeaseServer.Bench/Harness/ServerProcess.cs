using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

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

    public static async Task<ServerProcess> Start(string? serverDll)
    {
        var dll = serverDll ?? LocateServerDll();
        var dir = Directory.CreateTempSubdirectory("tls-bench-").FullName;
        var port = FreePort();
        // An explicit --config must exist (issue 14); an empty one keeps every default and keeps the
        // server from reading a config file of the machine's.
        File.WriteAllText(Path.Combine(dir, "config.json"), "{}");
        var info = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList =
            {
                "-c", "exec dotnet \"$0\" \"$@\" >\"$LOG\" 2>&1", dll,
                "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--db", Path.Combine(dir, "bench.db"), "--config", Path.Combine(dir, "config.json"),
            },
            UseShellExecute = false,
        };
        info.Environment["LOG"] = Path.Combine(dir, "server.log");
        info.Environment["NULLTICKETS_HOME"] = dir;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
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

    private async Task WaitUntilHealthy()
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited) break;
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }
            await Task.Delay(100);
        }
        var log = File.Exists(LogPath) ? await File.ReadAllTextAsync(LogPath) : "";
        throw new InvalidOperationException($"the server did not become healthy on {Url}; its log:\n{log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The Release build beside the repository root (found from the bench's own location).</summary>
    private static string LocateServerDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "TaskLeaseServer.sln"))) continue;
            var dll = Path.Combine(dir.FullName, "src", "TaskLeaseServer", "bin", "Release", "net10.0", "TaskLeaseServer.dll");
            if (File.Exists(dll)) return dll;
            throw new FileNotFoundException($"{dll} is missing: run `dotnet build -c Release` first, or pass --server-dll");
        }
        throw new FileNotFoundException("cannot find the repository root (TaskLeaseServer.sln); pass --server-dll");
    }

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
