using Xunit;

namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>
/// One server process shared by every test of a class (xunit class fixture). Tests keep out of
/// each other's way by using unique pipeline names and roles.
/// </summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private ServerProcess? _server;
    private Api? _api;

    protected virtual ServerOptions Options => new();

    public ServerProcess Server => _server ?? throw new InvalidOperationException("fixture not started");

    /// <summary>A client sending the API token when the fixture has one.</summary>
    public Api Api => _api ?? throw new InvalidOperationException("fixture not started");

    public int Port => Server.Port;

    public virtual async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(Options);
        _api = new Api(_server.BaseAddress, Options.Token is null ? null : Api.Bearer(Options.Token));
    }

    public virtual async Task DisposeAsync()
    {
        _api?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>No API token, default sweeper.</summary>
public sealed class DefaultServer : ServerFixture;

/// <summary>API-token mode.</summary>
public sealed class TokenServer : ServerFixture
{
    public const string Token = "conformance-api-token-7f3a";

    protected override ServerOptions Options => new() { Token = Token };
}

/// <summary>
/// The background sweeper effectively off (one pass per hour), so an expired lease stays in place
/// and its holder sees 410 rather than 404.
/// </summary>
public sealed class LazySweeperServer : ServerFixture
{
    protected override ServerOptions Options => new() { SweepIntervalMs = 3_600_000 };
}

/// <summary>The background sweeper at its default cadence (~1 s).</summary>
public sealed class SweepingServer : ServerFixture;
