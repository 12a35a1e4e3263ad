using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using TaskLeaseServer.Testing;

namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>How to start one server process. Every field is optional.</summary>
public sealed record ServerOptions
{
    /// <summary>Passed as <c>--token</c>.</summary>
    public string? Token { get; init; }

    /// <summary>Passed as <c>--sweep-interval-ms</c>.</summary>
    public int? SweepIntervalMs { get; init; }

    /// <summary>Written to a file in the temp dir and passed as <c>--config</c>.</summary>
    public string? ConfigJson { get; init; }

    /// <summary>Use this database (a <c>--db</c> value) instead of a fresh one (restart tests).</summary>
    public string? Db { get; init; }

    /// <summary>Listen on this port instead of a free one (a restart that clients must find again).</summary>
    public int? Port { get; init; }
}

/// <summary>
/// The real server, started as a child process on a free loopback port with its own temp
/// directory (database, <c>NULLTICKETS_HOME</c>, <c>HOME</c>). Disposing kills the process tree and
/// deletes the directory.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    // A bound, not a wait: start-up usually takes 1-3 s, but a fresh PostgreSQL database is migrated
    // first, and on a loaded 2-core machine that has taken longer than 20 s.
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly OutputBuffer _output;
    private readonly bool _ownsTempDir;

    private ServerProcess(Process process, OutputBuffer output, int port, string tempDir, string dbPath, bool ownsTempDir)
    {
        _process = process;
        _output = output;
        Port = port;
        TempDir = tempDir;
        Db = dbPath;
        _ownsTempDir = ownsTempDir;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }
    public int Pid => _process.Id;
    public string TempDir { get; }
    /// <summary>The server's --db value.</summary>
    public string Db { get; }
    public Uri BaseAddress { get; }
    public string Output => _output.Text;

    /// <summary>Starts a server and waits until <c>GET /health</c> answers.</summary>
    public static async Task<ServerProcess> StartAsync(ServerOptions? options = null, string? tempDir = null)
    {
        options ??= new ServerOptions();
        var ownsTempDir = tempDir is null;
        tempDir ??= NewTempDir();
        var dbPath = options.Db ?? TestDatabase.Fresh(tempDir);

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = options.Port ?? FreePort();
            var args = new List<string> { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--db", dbPath };
            if (options.Token is not null) args.AddRange(["--token", options.Token]);
            if (options.SweepIntervalMs is { } sweep) args.AddRange(["--sweep-interval-ms", sweep.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (options.ConfigJson is not null)
            {
                var configPath = Path.Combine(tempDir, "config-" + attempt + ".json");
                await File.WriteAllTextAsync(configPath, options.ConfigJson);
                args.AddRange(["--config", configPath]);
            }

            var home = Path.Combine(tempDir, "home");
            Directory.CreateDirectory(home);
            var (process, output) = Launch(args, home, tempDir);
            var server = new ServerProcess(process, output, port, tempDir, dbPath, ownsTempDir);
            try
            {
                await WaitForHealthAsync(process, output, port, StartupTimeout);
                return server;
            }
            catch (Exception e) when (attempt < 2 && process.HasExited && output.Text.Contains("is in use; pass --port", StringComparison.Ordinal))
            {
                last = e; // lost the race for the port: try another one
                await server.StopAsync();
            }
            catch
            {
                await server.StopAsync();
                if (ownsTempDir) TryDeleteDirectory(tempDir);
                throw;
            }
        }
        throw new InvalidOperationException("could not start the server", last);
    }

    /// <summary>
    /// Starts the server dll with exactly <paramref name="args"/>, <c>NULLTICKETS_HOME</c> and
    /// <c>HOME</c> set to <paramref name="home"/>, in <paramref name="workingDirectory"/>.
    /// The caller owns the process.
    /// </summary>
    public static (Process Process, OutputBuffer Output) Launch(IEnumerable<string> args, string home, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        psi.ArgumentList.Add(ServerDll.Path);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NULLTICKETS_HOME"] = home;
        psi.Environment["HOME"] = home;
        ServerLaunch.Scrub(psi);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) psi.Environment[name] = value;

        var output = new OutputBuffer();
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => output.Append(e.Data);
        process.ErrorDataReceived += (_, e) => output.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return (process, output);
    }

    /// <summary>Polls <c>GET /health</c> until it answers 200; fails with the server's output.</summary>
    public static Task WaitForHealthAsync(Process process, OutputBuffer output, int port, TimeSpan timeout) =>
        ServerLaunch.WaitForHealthAsync(process, port, timeout, () => output.Text);

    /// <summary>
    /// Sends SIGTERM (a graceful stop, as a service manager would) and waits for the exit; returns
    /// the exit code. The temp dir is kept.
    /// </summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])))
        {
            await kill!.WaitForExitAsync();
        }
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Kills the process tree (the temp dir is kept, e.g. for a restart on the same DB).</summary>
    public async Task StopAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // leave it; nothing more we can do
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        if (_ownsTempDir) TryDeleteDirectory(TempDir);
    }

    public static string NewTempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tls-conformance-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void TryDeleteDirectory(string dir)
    {
        for (var i = 0; i < 5; i++)
        {
            try
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(100); // a just-killed child may still hold a file for a moment
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(100);
            }
        }
    }

    public static int FreePort() => ServerLaunch.FreePort();
}

/// <summary>Captured stdout+stderr of a child process, capped so a chatty server cannot eat memory.</summary>
public sealed class OutputBuffer
{
    private const int Cap = 64 * 1024;
    private readonly StringBuilder _text = new();

    public void Append(string? line)
    {
        if (line is null) return;
        lock (_text)
        {
            _text.AppendLine(line);
            if (_text.Length > Cap) _text.Remove(0, _text.Length - Cap);
        }
    }

    public string Text
    {
        get
        {
            lock (_text) return _text.ToString();
        }
    }
}

/// <summary>Locates the built server next to this test build (same Configuration).</summary>
public static class ServerDll
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    private static readonly Lazy<string> Located = new(() => ServerLaunch.ServerDll(Configuration));

    public static string Path => Located.Value;
}
