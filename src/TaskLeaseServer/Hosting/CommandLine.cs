using System.Globalization;
using System.Text.Json;

namespace TaskLeaseServer.Hosting;

/// <summary>What the command line asks for: serve with these options, or exit with this code and text.</summary>
public sealed record Startup(ServerOptions? Options, int ExitCode = 0, string? Output = null, string? Error = null);

/// <summary>
/// Flags and config file (CONTRACT §9): each flag takes the next argument, the last repetition wins,
/// unknown arguments are ignored; a flag beats the config file, which beats the default. Unlike the
/// reference, a configuration error exits non-zero with a message that says what to fix (W26).
/// </summary>
public static class CommandLine
{
    private static readonly string[] ValueFlags =
        ["--port", "--host", "--db", "--token", "--config", "--sweep-interval-ms", "--synchronous", "--log-format"];

    public static Startup Parse(string[] args, Func<string, string?> env)
    {
        if (LauncherCommands.Run(args, env) is { } launcher) return launcher;
        if (args.Contains("--version"))
        {
            // Standard output by convention, and standard error as the reference did (CONTRACT §9.1).
            var version = $"{ServerInfo.Name} v{ServerInfo.Version}";
            return new Startup(null, 0, version, version);
        }

        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (ValueFlags.Contains(args[i])) flags[args[i]] = args[++i];
        }

        var configPath = flags.GetValueOrDefault("--config") ?? DefaultConfigPath(env);
        if (configPath is null) return Fail("cannot locate the config file: set HOME or NULLTICKETS_HOME, or pass --config <path>");
        configPath = Path.GetFullPath(configPath);
        var configDir = Path.GetDirectoryName(configPath)!;

        ConfigFile config;
        try
        {
            config = ConfigFile.Read(configPath);
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

        // A relative db in the config file (or the default name) lives beside the config file (§9.2);
        // --db is used as given, relative to the working directory.
        var db = flags.TryGetValue("--db", out var dbFlag)
            ? Resolve(dbFlag, Environment.CurrentDirectory)
            : Resolve(config.Db ?? "nulltickets.db", configDir);

        var retentionMs = config.IdempotencyRetentionMs ?? 86_400_000;
        if (retentionMs is < 1_000 or > MaxRetentionMs)
            return Fail("idempotency_retention_ms must be between 1000 (1 s) and 3153600000000 (100 years)");

        return new Startup(new ServerOptions
        {
            Host = host,
            Port = port,
            DbPath = db,
            // An empty token could never be presented ("Bearer " loses its trailing space): it means off.
            ApiToken = NullIfEmpty(flags.GetValueOrDefault("--token") ?? config.ApiToken),
            SweepInterval = TimeSpan.FromMilliseconds(sweepMs),
            IdempotencyRetention = TimeSpan.FromMilliseconds(retentionMs),
            OtlpRetention = TimeSpan.FromMilliseconds(otlpRetentionMs),
            SynchronousFull = synchronous == "full",
            JsonLogs = logFormat == "json",
            ConfigPath = configPath,
        });
    }

    private const long MaxRetentionMs = 3_153_600_000_000;

    /// <summary>SQLite's ":memory:" and "file:" URIs pass through; a path is made absolute against <paramref name="baseDir"/>.</summary>
    private static string Resolve(string db, string baseDir) =>
        db == ":memory:" || db.StartsWith("file:", StringComparison.Ordinal) ? db : Path.GetFullPath(Path.Combine(baseDir, db));

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

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

public sealed class ConfigException(string message) : Exception(message);

/// <summary>The config file's keys; a missing file means all defaults.</summary>
public sealed record ConfigFile(int? Port, string? Db, string? ApiToken, string? Host, long? SweepIntervalMs,
    long? IdempotencyRetentionMs, string? Synchronous, string? LogFormat, long? OtlpRetentionMs)
{
    public static ConfigFile Read(string path)
    {
        if (!File.Exists(path)) return new ConfigFile(null, null, null, null, null, null, null, null, null);
        if (new FileInfo(path).Length > 1 << 20) throw new ConfigException("larger than 1 MiB");
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ConfigException("not valid JSON: " + e.Message);
        }
        if (root.ValueKind != JsonValueKind.Object) throw new ConfigException("must be a JSON object");

        var port = Integer(root, "port");
        if (port is < 0 or > 65535) throw new ConfigException("port must be between 0 and 65535");
        return new ConfigFile((int?)port, Text(root, "db"), Text(root, "api_token"), Text(root, "host"),
            Integer(root, "sweep_interval_ms"), Integer(root, "idempotency_retention_ms"), Text(root, "synchronous"),
            Text(root, "log_format"), Integer(root, "otlp_retention_ms"));
    }

    private static string? Text(JsonElement root, string key) =>
        !root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ConfigException($"\"{key}\" must be a string");

    private static long? Integer(JsonElement root, string key) =>
        !root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : throw new ConfigException($"\"{key}\" must be an integer");
}
