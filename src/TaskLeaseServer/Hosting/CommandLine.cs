using System.Globalization;
using TaskLeaseServer.Api.Http;
using TaskLeaseServer.Storage;

namespace TaskLeaseServer.Hosting;

/// <summary>What the command line asks for: serve with these options, or exit with this code and text.</summary>
public sealed record Startup(ServerOptions? Options, int ExitCode = 0, string? Output = null, string? Error = null);

/// <summary>
/// Flags and config file (CONTRACT §9): each flag takes the next argument (or "--flag=value"), the
/// last repetition wins; a flag beats the config file, which beats the default. Unlike the
/// reference, an unknown flag or config key, a flag without its value, and any configuration error
/// exit 2 with one line that says what to fix (W26, issue 14).
/// </summary>
public static class CommandLine
{
    /// <summary>
    /// Switches of the .NET generic host in "--name=value" form. The test host (WebApplicationFactory)
    /// passes its host settings to Main this way; the server builds its host itself and ignores them.
    /// </summary>
    private static readonly string[] HostSwitches = ["--applicationName", "--environment", "--contentRoot"];

    public static Startup Parse(string[] args, Func<string, string?> env)
    {
        if (LauncherCommands.Run(args, env) is { } launcher) return launcher;
        if (args.Contains("--version"))
        {
            // Standard output by convention, and standard error as the reference did (CONTRACT §9.1).
            var version = $"{ServerInfo.Name} v{ServerInfo.Version}";
            return new Startup(null, 0, version, version);
        }
        if (args.Contains("--help") || args.Contains("-h")) return new Startup(null, 0, Flags.Usage());

        if (ReadFlags(args, out var problem) is not { } flags) return Fail(problem!);

        var explicitConfig = flags.GetValueOrDefault("--config");
        var configPath = explicitConfig ?? DefaultConfigPath(env);
        if (configPath is null) return Fail("cannot locate the config file: set HOME or NULLTICKETS_HOME, or pass --config <path>");
        configPath = Path.GetFullPath(configPath);
        var configDir = Path.GetDirectoryName(configPath)!;

        ConfigFile config;
        try
        {
            config = ConfigFile.Read(configPath, mustExist: explicitConfig is not null);
        }
        catch (ConfigException e)
        {
            return Fail($"config file {configPath}: {e.Message}");
        }

        var port = config.Port ?? 7700;
        if (flags.TryGetValue("--port", out var portText) && !TryPort(portText, out port))
            return Fail($"invalid port \"{portText}\": expected an integer between 0 and 65535");

        var sweepMs = config.SweepIntervalMs ?? 1000;
        if (flags.TryGetValue("--sweep-interval-ms", out var sweepText) &&
            !long.TryParse(sweepText, NumberStyles.None, CultureInfo.InvariantCulture, out sweepMs))
            return Fail($"invalid --sweep-interval-ms \"{sweepText}\": expected a positive number of milliseconds");
        if (sweepMs is < 10 or > 3_600_000) return Fail("the sweep interval must be between 10 ms and 1 hour");

        var maxBody = config.MaxBodyBytes ?? RequestBody.DefaultLimit;
        if (flags.TryGetValue("--max-body-bytes", out var bodyText) &&
            !long.TryParse(bodyText, NumberStyles.None, CultureInfo.InvariantCulture, out maxBody))
            return Fail($"invalid --max-body-bytes \"{bodyText}\": expected a number of bytes");
        if (maxBody is < 1_024 or > MaxBodyLimit) return Fail("max_body_bytes must be between 1024 (1 KiB) and 67108864 (64 MiB)");

        var otlpRetentionMs = config.OtlpRetentionMs ?? 7 * 86_400_000L;
        // Bounded above so the TimeSpan cannot overflow.
        if (otlpRetentionMs is < 1 or > 100 * 365 * 86_400_000L)
            return Fail("otlp_retention_ms must be a number of milliseconds between 1 and 100 years");

        var synchronous = flags.GetValueOrDefault("--synchronous") ?? config.Synchronous ?? "normal";
        if (synchronous is not ("normal" or "full")) return Fail($"invalid synchronous mode \"{synchronous}\": use normal or full");
        var logFormat = flags.GetValueOrDefault("--log-format") ?? config.LogFormat ?? "text";
        if (logFormat is not ("text" or "json")) return Fail($"invalid log format \"{logFormat}\": use text or json");

        var host = flags.GetValueOrDefault("--host") ?? config.Host ?? "127.0.0.1";
        if (host != "localhost" && !System.Net.IPAddress.TryParse(host, out _))
            return Fail($"invalid host \"{host}\": expected an IP address such as 127.0.0.1 or 0.0.0.0");

        // --db, then NULLTICKETS_DB, then the config file's db. A relative db in the config file (or
        // the default name) lives beside the config file (§9.2); --db and the environment variable
        // are relative to the working directory. A postgresql:// URL is used as given.
        var db = flags.TryGetValue("--db", out var dbFlag) ? Resolve(dbFlag, Environment.CurrentDirectory)
            : env(DbEnvironmentVariable) is { Length: > 0 } dbEnv ? Resolve(dbEnv, Environment.CurrentDirectory)
            : Resolve(config.Db ?? "nulltickets.db", configDir);
        if (StorageOptions.Problem(db) is { } dbProblem) return Fail(dbProblem);

        var retentionMs = config.IdempotencyRetentionMs ?? 86_400_000;
        if (retentionMs is < 1_000 or > MaxRetentionMs)
            return Fail("idempotency_retention_ms must be between 1000 (1 s) and 3153600000000 (100 years)");

        if (TokenSources.Resolve(flags, env, config.ApiToken, out problem) is not { } token) return Fail(problem!);

        return new Startup(new ServerOptions
        {
            Host = host,
            Port = port,
            DbPath = db,
            ApiToken = token.Value,
            ApiTokenSource = token.Source,
            SweepInterval = TimeSpan.FromMilliseconds(sweepMs),
            IdempotencyRetention = TimeSpan.FromMilliseconds(retentionMs),
            OtlpRetention = TimeSpan.FromMilliseconds(otlpRetentionMs),
            MaxBodyBytes = maxBody,
            SynchronousFull = synchronous == "full",
            JsonLogs = logFormat == "json",
            ConfigPath = configPath,
        });
    }

    private const long MaxRetentionMs = 3_153_600_000_000;
    private const long MaxBodyLimit = 64L << 20;

    /// <summary>The database the server uses when --db is not given (CONTRACT §15 / EXTENSIONS §15).</summary>
    public const string DbEnvironmentVariable = "NULLTICKETS_DB";

    /// <summary>
    /// ":memory:", "file:" URIs and postgresql:// URLs pass through to the engine; a path is made
    /// absolute against <paramref name="baseDir"/>.
    /// </summary>
    private static string Resolve(string db, string baseDir) =>
        db == ":memory:" || db.StartsWith("file:", StringComparison.Ordinal) || StorageOptions.IsUrl(db)
            ? db : Path.GetFullPath(Path.Combine(baseDir, db));

    /// <summary>The flags and their values, or null with <paramref name="problem"/> naming the argument at fault.</summary>
    private static Dictionary<string, string>? ReadFlags(string[] args, out string? problem)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var equals = arg.StartsWith("--", StringComparison.Ordinal) ? arg.IndexOf('=', StringComparison.Ordinal) : -1;
            var name = equals > 0 ? arg[..equals] : arg;
            if (equals > 0 && HostSwitches.Contains(name, StringComparer.OrdinalIgnoreCase)) continue;
            if (!Flags.ValueFlags.Contains(name))
            {
                problem = name.StartsWith('-') ? Flags.UnknownFlag(name)
                    : $"unexpected argument \"{arg}\": every setting is a flag (--help lists them)";
                return null;
            }
            if (equals > 0) flags[name] = arg[(equals + 1)..];
            else if (i + 1 < args.Length) flags[name] = args[++i];
            else
            {
                problem = $"{name} needs a value";
                return null;
            }
        }
        problem = null;
        return flags;
    }

    private static string? DefaultConfigPath(Func<string, string?> env)
    {
        var home = env("NULLTICKETS_HOME");
        if (!string.IsNullOrEmpty(home)) return Path.Combine(home, "config.json");
        var user = env("HOME") ?? env("USERPROFILE");
        return string.IsNullOrEmpty(user) ? null : Path.Combine(user, ".nulltickets", "config.json");
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535;

    private static Startup Fail(string message) => new(null, 2, Error: "error: " + message);
}

