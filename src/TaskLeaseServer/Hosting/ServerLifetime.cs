using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Hosting;

/// <summary>
/// Start-up and shutdown, with the exit statuses the README documents: 0 after a clean stop,
/// 1 when the database cannot be opened or migrated, 2 when it is held by another server or the
/// port cannot be bound (as for any configuration error). Each failure is one line on standard
/// error, without a stack trace (issue 14).
/// </summary>
public static class ServerLifetime
{
    public const int DatabaseFailure = 1;
    public const int ConfigurationFailure = 2;

    /// <summary>The server could not start listening: nothing more is logged after its one error line.</summary>
    public static bool StartFailed { get; private set; }

    /// <summary>Opens and migrates the database; null when it is ready, else the exit status.</summary>
    public static int? OpenDatabase(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<ServerOptions>();
        try
        {
            app.MigrateDatabase();
        }
        catch (DatabaseInUseException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return ConfigurationFailure;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: cannot open the database {StorageOptions.Display(options.DbPath)}: {e.Message}");
            return DatabaseFailure;
        }
        var engine = app.Services.GetRequiredService<IStorageEngine>();
        app.Logger.LogInformation("{Name} v{Version}: {Engine} database {Db}, config {Config}, API token {Auth}",
            ServerInfo.Name, ServerInfo.Version, engine.Name, engine.Location, options.ConfigPath,
            options.ApiToken is null ? "off" : $"on ({options.ApiTokenSource})");
        if (options.ApiToken is null && !options.LoopbackOnly)
        {
            app.Logger.LogWarning("Listening on {Host} without an API token: anyone who can reach this address can read and change " +
                "every task; set one with --token-file, NULLTICKETS_API_TOKEN or --token", options.Host);
        }
        return null;
    }

    /// <summary>Serves until SIGTERM or Ctrl-C, then stops gracefully; returns the exit status.</summary>
    public static async Task<int> ServeAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<ServerOptions>();
        try
        {
            await app.StartAsync();
        }
        catch (Exception e) when (IsBindFailure(e))
        {
            Console.Error.WriteLine("error: " + (e.InnerException is AddressInUseException
                ? $"port {options.Port} on {options.Host} is in use; pass --port"
                : $"cannot listen on {options.Host} port {options.Port}: {e.Message}"));
            // The background services started before Kestrel tried to bind: stop them as for SIGTERM.
            StartFailed = true;
            await app.StopAsync();
            await app.DisposeAsync();
            return ConfigurationFailure;
        }
        await app.WaitForShutdownAsync();
        await app.DisposeAsync();
        return 0;
    }

    /// <summary>Kestrel could not bind the listening socket (its log lines carry a stack trace, so they are dropped).</summary>
    public static bool IsBindFailure(Exception e) =>
        e is IOException { InnerException: AddressInUseException or SocketException } || e is SocketException or AddressInUseException;
}
