using System.Globalization;
using Dapper;
using Npgsql;

namespace TaskLeaseServer.Storage.Postgres;

/// <summary>
/// Applies the numbered embedded migrations (Postgres/Migrations/NNN_name.sql) not yet recorded in
/// schema_migrations, all in one transaction under a transaction-scoped advisory lock: nodes that
/// start together queue on the lock, and the later ones find the versions recorded and apply
/// nothing. The transaction-scoped lock cannot outlive the transaction on a pooled connection, as
/// a session lock would.
/// </summary>
internal static class PostgresMigrator
{
    private const string Marker = ".Postgres.Migrations.";

    public static void Apply(NpgsqlDataSource dataSource)
    {
        using var db = dataSource.OpenConnection();
        using var transaction = db.BeginTransaction();
        db.Execute("SELECT pg_advisory_xact_lock(hashtextextended('tls:migrate', 0))");
        db.Execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
              version       integer PRIMARY KEY,
              name          text NOT NULL,
              applied_at_ms bigint NOT NULL)
            """);
        var applied = db.Query<int>("SELECT version FROM schema_migrations").ToHashSet();
        foreach (var (version, name) in Scripts().Where(s => !applied.Contains(s.Version)))
        {
            db.Execute(Read(name));
            db.Execute("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (@version, @file, @now)",
                new { version, file = name[(name.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..],
                    now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        }
        transaction.Commit();
    }

    /// <summary>The embedded scripts, by version.</summary>
    public static IEnumerable<(int Version, string Name)> Scripts() =>
        typeof(PostgresMigrator).Assembly.GetManifestResourceNames()
            .Where(n => n.Contains(Marker, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (Version: VersionOf(n), Name: n))
            .OrderBy(s => s.Version);

    private static string Read(string resource)
    {
        using var stream = typeof(PostgresMigrator).Assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // Resource names look like "TaskLeaseServer.Storage.Postgres.Migrations.001_core.sql".
    private static int VersionOf(string resource)
    {
        var file = resource[(resource.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..];
        return int.Parse(file[..file.IndexOf('_', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
    }
}
