using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using TaskLeaseServer.Client;

namespace TaskLeaseServer.Conformance.Client;

/// <summary>Keeps what a worker logs, so a fact can assert it recorded every result.</summary>
public sealed class CollectingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, string Text)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue((logLevel, formatter(state, exception)));

    public IEnumerable<string> AtLeast(LogLevel level) => Lines.Where(l => l.Level >= level).Select(l => l.Text);
}

public static class WorkerHarness
{
    /// <summary>A client that rides out a server restart of several seconds.</summary>
    public static TaskLeaseClient PatientClient(Uri server) =>
        new(new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromSeconds(60) },
            new TaskLeaseClientOptions { MaxRetries = 120, FirstRetryDelay = TimeSpan.FromMilliseconds(50), MaxRetryDelay = TimeSpan.FromMilliseconds(500) });

    public static object TwoStageDefinition(string role) => new
    {
        initial = "todo",
        states = new Dictionary<string, object>
        {
            ["todo"] = new { agent_role = role },
            ["review"] = new { agent_role = role },
            ["done"] = new { terminal = true },
        },
        transitions = new object[]
        {
            new { from = "todo", to = "review", trigger = "submit" },
            new { from = "review", to = "done", trigger = "approve" },
        },
    };

    /// <summary>Waits for a condition with a bound: polling a real process's state, not a sleep standing in for it.</summary>
    public static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0} s");
            await Task.Delay(20);
        }
    }
}
