using System.Text;

namespace TaskLeaseServer.Hosting;

/// <summary>One setting: its flag and/or config-file key, what its value looks like, and its usage line.</summary>
public sealed record Setting(string? Flag, string? ConfigKey, string? Value, string Default, string Help);

/// <summary>
/// Every flag and config key the server knows, in one table: the parser refuses anything not in it
/// (a typo such as <c>--tokne</c> once started the server without its token, issue 14) and
/// <c>--help</c> prints it.
/// </summary>
public static class Flags
{
    public static readonly IReadOnlyList<Setting> All =
    [
        new("--port", "port", "N", "7700", "TCP port to listen on (0-65535)"),
        new("--host", "host", "ADDR", "127.0.0.1", "address to bind, e.g. 0.0.0.0 in a container"),
        new("--db", "db", "PATH|URL", "nulltickets.db beside the config file",
            "SQLite database file (a relative --db is taken from the working directory), or postgresql://user:password@host:port/database"),
        new("--token", "api_token", "TOKEN", "none", "API token: every route but /, /health and the OpenAPI documents needs \"Authorization: Bearer TOKEN\""),
        new("--token-file", null, "PATH", "none", "read the API token from this file (one trailing newline is ignored); keeps it out of the process list"),
        new("--config", null, "PATH", "$NULLTICKETS_HOME/config.json, else ~/.nulltickets/config.json", "config file to read; an explicit one must exist"),
        new("--sweep-interval-ms", "sweep_interval_ms", "N", "1000", "how often expired leases are reaped (10 ms to 1 hour)"),
        new("--max-body-bytes", "max_body_bytes", "N", "65536", "largest request body accepted, in bytes (1 KiB to 64 MiB); larger is 413 payload_too_large"),
        new("--synchronous", "synchronous", "normal|full", "normal", "SQLite durability: full fsyncs every commit"),
        new("--log-format", "log_format", "text|json", "text", "console log lines as text or compact JSON"),
        new(null, "idempotency_retention_ms", "N", "86400000", "how long Idempotency-Key answers are kept"),
        new(null, "otlp_retention_ms", "N", "604800000", "how long ingested OTLP batches and their spans are kept"),
        new("--help", null, null, "", "print this text and exit 0"),
        new("--version", null, null, "", "print the name and version and exit 0"),
    ];

    /// <summary>The flags that take a value (the next argument, or after '=').</summary>
    public static readonly IReadOnlySet<string> ValueFlags =
        All.Where(s => s is { Flag: not null, Value: not null }).Select(s => s.Flag!).ToHashSet(StringComparer.Ordinal);

    public static readonly IReadOnlySet<string> ConfigKeys =
        All.Where(s => s.ConfigKey is not null).Select(s => s.ConfigKey!).ToHashSet(StringComparer.Ordinal);

    private static readonly string[] KnownFlags =
        [.. All.Where(s => s.Flag is not null).Select(s => s.Flag!), "--export-manifest", "--from-json"];

    public static string UnknownFlag(string flag) => $"unknown flag {flag}; did you mean {Nearest(flag, KnownFlags)}? (--help lists every flag)";

    public static string UnknownConfigKey(string key) => $"unknown key \"{key}\"; did you mean \"{Nearest(key, ConfigKeys)}\"?";

    public static string Usage()
    {
        var text = new StringBuilder();
        text.AppendLine($"{ServerInfo.Name} v{ServerInfo.Version}: durable tasks and leases for AI agents (nullTickets wire).");
        text.AppendLine();
        text.AppendLine("usage: TaskLeaseServer [flags]");
        text.AppendLine();
        foreach (var s in All.Where(s => s.Flag is not null))
        {
            text.AppendLine($"  {s.Flag + (s.Value is null ? "" : " " + s.Value),-30}{Key(s)}".TrimEnd());
            text.AppendLine($"      {s.Help}{(s.Default is "" ? "" : $" (default: {s.Default})")}");
        }
        text.AppendLine();
        text.AppendLine("config-file keys without a flag:");
        foreach (var s in All.Where(s => s.Flag is null))
            text.AppendLine($"  {s.ConfigKey} {s.Value}: {s.Help} (default: {s.Default})");
        text.AppendLine();
        text.AppendLine("The API token can also come from the NULLTICKETS_API_TOKEN environment variable.");
        text.AppendLine("Precedence: --token, then --token-file, then NULLTICKETS_API_TOKEN, then api_token in the config file;");
        text.AppendLine("for every other setting the flag beats the config file, which beats the default.");
        text.AppendLine("The database can also come from the NULLTICKETS_DB environment variable (--db beats it, it beats db in the config file).");
        text.AppendLine();
        text.AppendLine("For the nullhub launcher, as the first argument only:");
        text.AppendLine("  --export-manifest      print the launcher manifest and exit");
        text.AppendLine("  --from-json JSON       write <home>/config.json from {\"port\",\"db_path\",\"api_token\",\"home\"} and exit");
        text.AppendLine();
        text.Append("Exit status: 0 clean stop; 1 the database cannot be opened or migrated; 2 bad flags or config,");
        text.Append(" port in use, or the database held by another server.");
        return text.ToString();
    }

    private static string Key(Setting s) => s.ConfigKey is null ? "" : $"config key \"{s.ConfigKey}\"";

    /// <summary>The candidate with the smallest edit distance (ties: the first listed).</summary>
    public static string Nearest(string word, IEnumerable<string> candidates) =>
        candidates.MinBy(c => Distance(word, c))!;

    /// <summary>Levenshtein distance, with a transposition counted as one edit ("tokne" is one from "token").</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
