using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using TaskLeaseServer.Background;
using TaskLeaseServer.Hosting;

namespace TaskLeaseServer.Tests.Support;

/// <summary>
/// The whole server in-process on a fresh SQLite file of its own, with a fake clock: each test
/// builds one (<c>await using var server = new ServerFixture();</c>) and moves time by hand.
/// </summary>
public sealed class ServerFixture : WebApplicationFactory<Program>
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tls-test-").FullName;
    private HttpClient? _client;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
    public string? ApiToken { get; init; }
    /// <summary>The --host the server believes it listens on (the dashboard's gate reads it).</summary>
    public string Host { get; init; } = "127.0.0.1";
    public string DbPath => Path.Combine(_dir, "test.db");

    public long Now => Clock.GetUtcNow().ToUnixTimeMilliseconds();
    public HttpClient Http => _client ??= CreateClient();

    public void Advance(long ms) => Clock.Advance(TimeSpan.FromMilliseconds(ms));

    /// <summary>Runs one sweep now, and retention if it is due, as the background timer would.</summary>
    public async Task<int> Sweep()
    {
        var reaped = await Services.GetRequiredService<LeaseSweeper>().SweepOnce();
        await Services.GetRequiredService<Retention>().RunIfDue();
        return reaped;
    }

    /// <summary>
    /// Serves on a real loopback port through Kestrel instead of the in-memory test server, for
    /// clients that open their own connections (an OpenTelemetry exporter); returns the base address.
    /// </summary>
    public Uri StartOnLoopback()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<ServerOptions>();
            // A sweep interval far beyond any test's fake time: tests sweep explicitly.
            services.AddSingleton(new ServerOptions { DbPath = DbPath, ApiToken = ApiToken, Host = Host, SweepInterval = TimeSpan.FromHours(1) });
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
        });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* best effort */ }
    }
}
