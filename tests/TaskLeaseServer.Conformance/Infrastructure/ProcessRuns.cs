using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>A started server process that is killed on dispose.</summary>
public sealed class Running(Process process, OutputBuffer output) : IAsyncDisposable
{
    public Process Process => process;
    public string Output => output.Text;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        finally
        {
            process.Dispose();
        }
    }
}

/// <summary>Runs the server with exact arguments: to exit (start-up refusals, --help) or until it serves.</summary>
public static class ProcessRuns
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Runs the server to its exit; fails when it keeps running (it is probably serving).</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyList<string> args, string home, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var (process, output) = ServerProcess.Launch(args, home, workingDirectory, environment);
        await using var running = new Running(process, output);
        using var cts = new CancellationTokenSource(ExitTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException(
                $"`{string.Join(' ', args)}` did not exit within {ExitTimeout.TotalSeconds:0} s (it is probably serving).\n--- output ---\n{output.Text}");
        }
        process.WaitForExit(); // flush the asynchronous output readers
        return (process.ExitCode, output.Text);
    }

    /// <summary>Starts the server and waits until it answers /health on <paramref name="expectedPort"/>.</summary>
    public static async Task<Running> LaunchServingAsync(IReadOnlyList<string> args, string home, string workingDirectory, int expectedPort,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var (process, output) = ServerProcess.Launch(args, home, workingDirectory, environment);
        var running = new Running(process, output);
        try
        {
            await ServerProcess.WaitForHealthAsync(process, output, expectedPort, ServerProcess.StartupTimeout);
            return running;
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
    }

    public static bool PortIsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
