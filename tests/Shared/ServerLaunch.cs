using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TaskLeaseServer.Testing;

/// <summary>
/// How the black-box suite and the bench start the real server: one copy of finding the built dll,
/// picking a free loopback port, scrubbing the environment a developer's shell may carry, and waiting
/// for <c>GET /health</c>. Compiled into both projects (they never reference the server's code).
/// </summary>
public static class ServerLaunch
{
    /// <summary>Variables that would move the server off the port or token a test chose.</summary>
    private static readonly string[] Inherited =
        ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS", "NULLTICKETS_PORT", "NULLTICKETS_API_TOKEN", "NULLTICKETS_DB"];

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TaskLeaseServer.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no directory above {AppContext.BaseDirectory} contains TaskLeaseServer.sln");
    }

    /// <summary>The server built in <paramref name="configuration"/> beside this repository.</summary>
    public static string ServerDll(string configuration)
    {
        var dll = Path.Combine(RepoRoot(), "src", "TaskLeaseServer", "bin", configuration, "net10.0", "TaskLeaseServer.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"the server is not built: {dll} does not exist (run `dotnet build src/TaskLeaseServer -c {configuration}`)", dll);
        return dll;
    }

    /// <summary>Removes what the caller's environment would otherwise pass on to the server.</summary>
    public static void Scrub(ProcessStartInfo info)
    {
        foreach (var name in Inherited) info.Environment.Remove(name);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
    }

    /// <summary>Polls <c>GET /health</c> until it answers 200; fails with the server's output when it exits or the time is up.</summary>
    public static async Task WaitForHealthAsync(Process process, int port, TimeSpan timeout, Func<string> output)
    {
        // A first request on a loaded machine can need seconds (JIT, first database open): each attempt waits longer.
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var attempt = TimeSpan.FromSeconds(2);
        var deadline = DateTime.UtcNow + timeout;
        var lastProblem = "no attempt made";
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync();
                throw new InvalidOperationException(
                    $"server exited with code {process.ExitCode} before answering /health on port {port}.\n--- output ---\n{output()}");
            }
            try
            {
                using var bound = new CancellationTokenSource(attempt);
                attempt = TimeSpan.FromTicks(Math.Min(attempt.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"), bound.Token);
                if (response.StatusCode == HttpStatusCode.OK) return;
                lastProblem = $"/health answered {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                lastProblem = e.Message;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException(
            $"server did not answer /health on port {port} within {timeout.TotalSeconds:0} s ({lastProblem}).\n--- output ---\n{output()}");
    }
}
