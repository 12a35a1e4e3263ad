using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace TaskLeaseServer.Hosting;

/// <summary>
/// The first half-second of a graceful stop. Kestrel's stop closes a kept-alive connection it has
/// not started reading, so a request a client sent just before SIGTERM, still in the socket's buffer
/// on a busy machine, would be closed unanswered. For <see cref="Grace"/> after the signal the server
/// goes on reading and answering, with <c>Connection: close</c> so clients move off their kept-alive
/// connections; then Kestrel's stop begins. Long-poll claims and streams end at the signal itself.
/// </summary>
internal sealed class Draining(IServer server) : IHostedLifecycleService
{
    public static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(500);

    private volatile bool _active;

    /// <summary>True from the signal on: answers close their connection.</summary>
    public bool Active => _active;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _active = true;
        // Only a server on sockets has unread buffers (the in-process test server has no addresses).
        if (server.Features.Get<IServerAddressesFeature>() is not { Addresses.Count: > 0 }) return;
        // A real half-second, not the injected clock: it is wall time that lets the buffered bytes arrive.
        await Task.Delay(Grace, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
