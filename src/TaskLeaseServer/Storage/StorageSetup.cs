using Microsoft.Extensions.DependencyInjection.Extensions;
using TaskLeaseServer.Storage.Sqlite;

namespace TaskLeaseServer.Storage;

/// <summary>Where the data lives, as the configuration says it: the one place an engine is chosen.</summary>
/// <param name="Db">the --db value: a SQLite file path, ":memory:" or a "file:" URI</param>
/// <param name="SynchronousFull">SQLite: fsync on every commit (survives power loss) instead of at checkpoints</param>
public sealed record StorageOptions(string Db, bool SynchronousFull = false)
{
    /// <summary>The SQLite database path (the engine's only kind today).</summary>
    public string Path => Db;
}

public static class StorageSetup
{
    /// <summary>Registers the engine the options name, the claim signal, and the engine's housekeeping.</summary>
    public static IServiceCollection AddStorageEngine(this IServiceCollection services, Func<IServiceProvider, StorageOptions> options)
    {
        services.TryAddSingleton<ClaimSignal>();
        services.AddSingleton<IStorageEngine>(sp =>
            new SqliteEngine(options(sp), sp.GetRequiredService<ClaimSignal>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => sp.GetRequiredService<IStorageEngine>().Writer);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageEngine>().Reads);
        services.AddHostedService(sp => new WalCheckpointer(
            ((SqliteEngine)sp.GetRequiredService<IStorageEngine>()).Database, sp.GetRequiredService<ILogger<WalCheckpointer>>()));
        return services;
    }
}
