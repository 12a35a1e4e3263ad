using Microsoft.Extensions.DependencyInjection.Extensions;
using TaskLeaseServer.Storage.Postgres;
using TaskLeaseServer.Storage.Postgres.Notify;
using TaskLeaseServer.Storage.Sqlite;

namespace TaskLeaseServer.Storage;

/// <summary>Where the data lives, as the configuration says it: the one place an engine is chosen.</summary>
/// <param name="Db">
/// the --db value: a postgresql:// (or postgres://) URL for the PostgreSQL engine; otherwise a
/// SQLite file path, ":memory:" or a "file:" URI
/// </param>
/// <param name="SynchronousFull">SQLite: fsync on every commit (survives power loss) instead of at checkpoints</param>
public sealed record StorageOptions(string Db, bool SynchronousFull = false)
{
    /// <summary>The SQLite database path.</summary>
    public string Path => Db;

    /// <summary>Whether <see cref="Db"/> names a PostgreSQL database.</summary>
    public bool IsPostgres => PostgresUrl.IsPostgres(Db);

    /// <summary>Whether a --db value is a database URL, which is used as given (never resolved as a path).</summary>
    public static bool IsUrl(string db) => PostgresUrl.IsPostgres(db);

    /// <summary>What is wrong with a --db value, or null; checked at start-up so a bad URL is a configuration error.</summary>
    public static string? Problem(string db)
    {
        if (!PostgresUrl.IsPostgres(db)) return null;
        try
        {
            PostgresUrl.Parse(db);
            return null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return $"invalid database URL {Display(db)}: {e.Message}";
        }
    }

    /// <summary>The --db value as it is safe to print: a URL's password is replaced.</summary>
    public static string Display(string db)
    {
        if (!PostgresUrl.IsPostgres(db)) return db;
        var scheme = db.IndexOf("://", StringComparison.Ordinal) + 3;
        var at = db.LastIndexOf('@');
        var colon = at > scheme ? db.IndexOf(':', scheme, at - scheme) : -1;
        return colon < 0 ? db : db[..(colon + 1)] + "***" + db[at..];
    }
}

public static class StorageSetup
{
    /// <summary>Registers the engine the options name, the claim signal, and the engine's housekeeping.</summary>
    public static IServiceCollection AddStorageEngine(this IServiceCollection services, Func<IServiceProvider, StorageOptions> options)
    {
        services.TryAddSingleton<CommitSignal>();
        services.AddSingleton<IStorageEngine>(sp =>
        {
            var chosen = options(sp);
            var signal = sp.GetRequiredService<CommitSignal>();
            var time = sp.GetRequiredService<TimeProvider>();
            return chosen.IsPostgres ? new PostgresEngine(chosen, signal, time) : new SqliteEngine(chosen, signal, time);
        });
        services.AddSingleton(sp => sp.GetRequiredService<IStorageEngine>().Writer);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageEngine>().Reads);
        services.AddSingleton(sp => sp.GetRequiredService<IStorageEngine>().EventLog);
        // Housekeeping per engine: SQLite checkpoints its WAL; PostgreSQL folds its stage count deltas.
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<IStorageEngine>() switch
        {
            SqliteEngine sqlite => new WalCheckpointer(sqlite.Database, sp.GetRequiredService<ILogger<WalCheckpointer>>()),
            PostgresEngine postgres => new StageCountFolder(postgres, sp.GetRequiredService<ILogger<StageCountFolder>>()),
            var other => throw new InvalidOperationException($"no housekeeping known for the {other.Name} engine"),
        });
        // Several nodes: the other nodes' commit notices arrive over LISTEN (nothing to relay on SQLite).
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<IStorageEngine>() is PostgresEngine postgres
            ? new PostgresListener(postgres, sp.GetRequiredService<CommitSignal>(), sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<PostgresListener>>())
            : new NothingToRun());
        return services;
    }
}

/// <summary>The hosted service an engine without that piece of housekeeping registers.</summary>
internal sealed class NothingToRun : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
