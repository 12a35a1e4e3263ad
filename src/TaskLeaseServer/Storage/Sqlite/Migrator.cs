using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// Applies the numbered embedded migrations (Migrations/NNN_name.sql) that are newer than the
/// database's PRAGMA user_version, each in its own transaction, at start-up.
/// </summary>
internal static class Migrator
{
    public static void Apply(SqliteConnection db)
    {
        var assembly = typeof(Migrator).Assembly;
        var scripts = assembly.GetManifestResourceNames()
            .Where(n => n.Contains(".Sqlite.Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (Version: VersionOf(n), Name: n))
            .OrderBy(s => s.Version)
            .ToList();

        var current = Convert.ToInt32(Scalar(db, "PRAGMA user_version"));
        foreach (var (version, name) in scripts.Where(s => s.Version > current))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var sql = reader.ReadToEnd();
            Exec(db, "BEGIN IMMEDIATE");
            try
            {
                Exec(db, sql);
                Exec(db, $"PRAGMA user_version = {version}");
                Exec(db, "COMMIT");
            }
            catch
            {
                Exec(db, "ROLLBACK");
                throw;
            }
        }
    }

    // Resource names look like "TaskLeaseServer.Storage.Sqlite.Migrations.001_core.sql".
    private static int VersionOf(string resource)
    {
        var file = resource[(resource.IndexOf(".Migrations.", StringComparison.Ordinal) + 12)..];
        return int.Parse(file[..file.IndexOf('_')], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static object? Scalar(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static void Exec(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
