using System.Text;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Background;
using TaskLeaseServer.Lifecycle;
using TaskLeaseServer.Storage;
using TaskLeaseServer.Ui;

namespace TaskLeaseServer.Hosting;

/// <summary>The named blocks Program.cs composes the server from.</summary>
public static class ServerComposition
{
    public static void AddServerLogging(this WebApplicationBuilder builder, ServerOptions options)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .Enrich.FromLogContext()
            // A port in use is reported in one line by ServerLifetime; Kestrel's and the host's own
            // lines for it carry ~90 lines of stack trace (issue 14).
            .Filter.ByExcluding(e => e.Exception is { } x && ServerLifetime.IsBindFailure(x))
            // After that one line, the host's "Application is shutting down..." is noise.
            .Filter.ByExcluding(_ => ServerLifetime.StartFailed);
        config = options.JsonLogs ? config.WriteTo.Console(new CompactJsonFormatter()) : config.WriteTo.Console();
        // The request-logging middleware writes to the static logger, so set it too.
        Log.Logger = config.CreateLogger();
        builder.Services.AddSerilog(Log.Logger, dispose: true);
    }

    public static void AddServerHosting(this WebApplicationBuilder builder, ServerOptions options)
    {
        builder.WebHost.UseUrls($"http://{(options.Host.Contains(':') ? $"[{options.Host}]" : options.Host)}:{options.Port}");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The contract lets a whole request be 64 KiB (CONTRACT §1.3): a long id in the path or
            // a long header must reach the application and get its JSON answer.
            kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
            // The body limit is the application's (RequestBody); Kestrel's own must not be lower.
            kestrel.Limits.MaxRequestBodySize = Math.Max(kestrel.Limits.MaxRequestBodySize ?? 0, options.MaxBodyBytes);
            // Header values are read as Latin-1, one char per byte: a byte that is not UTF-8 (a note
            // header, a garbled bearer) reaches the application and gets the contract's answer instead of
            // Kestrel's bare 400, and distinct bytes stay distinct strings (see HeaderBytes).
            kestrel.RequestHeaderEncodingSelector = _ => Encoding.Latin1;
        });
        // On SIGTERM Kestrel answers every request it has read before the host stops the background
        // services and the writer drains; this bounds how long it waits (the default, said aloud
        // because docs/operations.md promises it).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton<Draining>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Draining>());
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
    }

    public static void AddStorage(this IServiceCollection services) =>
        services.AddStorageEngine(sp =>
        {
            var options = sp.GetRequiredService<ServerOptions>();
            return new StorageOptions(options.DbPath, options.SynchronousFull);
        });

    public static void AddBackgroundWork(this IServiceCollection services)
    {
        services.AddSingleton<Retention>();
        services.AddSingleton<LeaseSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<LeaseSweeper>());
        services.AddSingleton<EventFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<EventFeed>());
        services.AddSingleton<DueTimer>();
        services.AddHostedService(sp => sp.GetRequiredService<DueTimer>());
    }

    public static void AddApi(this IServiceCollection services)
    {
        services.AddSingleton<KeyUsage>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton(sp => new ApiTokenAuth(sp.GetRequiredService<ServerOptions>().ApiToken,
            sp.GetRequiredService<IStorageEngine>().Reads, sp.GetRequiredService<KeyUsage>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<Writes>();
        services.AddSingleton<ClaimWaiters>();
        services.AddSingleton<IdempotencyFilter>();
    }

    /// <summary>Creates or upgrades the schema before the first request.</summary>
    public static void MigrateDatabase(this WebApplication app) => app.Services.GetRequiredService<IStorageEngine>().Migrate();

    public static void UseServerLogging(this WebApplication app) => app.UseSerilogRequestLogging();

    /// <summary>
    /// Graceful shutdown answers every waiting claim 204 at once, before Kestrel waits for open
    /// requests; answers given during the <see cref="Draining"/> grace close their connection.
    /// </summary>
    public static void AnswerWaitersOnStop(this WebApplication app)
    {
        var waiters = app.Services.GetRequiredService<ClaimWaiters>();
        app.Lifetime.ApplicationStopping.Register(waiters.Stop);
        var draining = app.Services.GetRequiredService<Draining>();
        app.Use((context, next) =>
        {
            if (draining.Active) context.Response.Headers.Connection = "close";
            return next(context);
        });
    }
}
