using Npgsql;

namespace TaskLeaseServer.Storage.Postgres;

/// <summary>
/// The --db value of the PostgreSQL engine: postgresql://user:password@host:port/database?options
/// (or postgres://), turned into an Npgsql connection string, because Npgsql reads no URLs. Options
/// understood: sslmode, application_name, connect_timeout, command_timeout, and host (a socket
/// directory). Anything else is refused at start-up rather than silently ignored. Every wait on the
/// database is bounded: 5 s to connect or to get a pooled connection, 15 s per statement, unless
/// the URL says otherwise.
/// </summary>
public static class PostgresUrl
{
    public static bool IsPostgres(string db) =>
        db.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || db.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <exception cref="FormatException">the URL cannot be read; the message says what to fix (it never holds the password)</exception>
    public static NpgsqlConnectionStringBuilder Parse(string url)
    {
        if (!IsPostgres(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw new FormatException("expected postgresql://user:password@host:port/database");
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Length > 0 ? Uri.UnescapeDataString(uri.Host.Trim('[', ']')) : "localhost",
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : null,
            Timeout = DefaultConnectTimeoutSeconds,
            CommandTimeout = DefaultCommandTimeoutSeconds,
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0) builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            switch (name)
            {
                case "sslmode": builder.SslMode = Enum.Parse<SslMode>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true); break;
                case "application_name": builder.ApplicationName = value; break;
                case "connect_timeout": builder.Timeout = Seconds(name, value); break;
                case "command_timeout": builder.CommandTimeout = Seconds(name, value); break;
                case "host": builder.Host = value; break;
                default: throw new FormatException($"unknown option \"{name}\" in the database URL (sslmode, application_name, connect_timeout, command_timeout and host are understood)");
            }
        }
        return builder;
    }

    public const int DefaultConnectTimeoutSeconds = 5;
    public const int DefaultCommandTimeoutSeconds = 15;

    // 0 would mean "wait forever" to Npgsql: refused, every wait is bounded.
    private static int Seconds(string name, string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= 3600
            ? s
            : throw new FormatException($"{name} must be a whole number of seconds from 1 to 3600, got \"{value}\"");

    /// <summary>The URL as it is safe to log: the password replaced.</summary>
    public static string Redacted(NpgsqlConnectionStringBuilder builder) =>
        $"postgresql://{(builder.Username is { } user ? Uri.EscapeDataString(user) + (builder.Password is null ? "" : ":***") + "@" : "")}" +
        $"{builder.Host}:{builder.Port}/{builder.Database}";
}
