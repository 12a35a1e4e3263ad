using Xunit;

namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>
/// The database each test server runs on. The suite talks only HTTP, so the same facts run on
/// every engine: <c>TLS_TEST_ENGINE</c> names the one this run targets — <c>sqlite</c> (the default: a
/// fresh file in the server's temp directory) or <c>postgresql</c> (a fresh database on the cluster
/// that <c>TLS_TEST_POSTGRES</c>, an admin URL, names; .ci/run starts a throwaway one). Facts about the
/// SQLite file itself carry <see cref="SqliteFactAttribute"/> and live in <c>Sqlite/</c> or say so
/// where they stand.
/// </summary>
public static class TestDatabase
{
    public static string Engine => Environment.GetEnvironmentVariable("TLS_TEST_ENGINE") is { Length: > 0 } e ? e : "sqlite";

    public static bool IsSqlite => Engine == "sqlite";

    /// <summary>A fresh, empty database for one server, as its <c>--db</c> value.</summary>
    public static string Fresh(string tempDir, string name = "t") => Engine switch
    {
        "sqlite" => Path.Combine(tempDir, name + ".db"),
        "postgresql" => FreshPostgres(),
        _ => throw new NotSupportedException($"TLS_TEST_ENGINE={Engine}: expected sqlite or postgresql"),
    };

    private static string FreshPostgres()
    {
        var admin = Environment.GetEnvironmentVariable("TLS_TEST_POSTGRES")
            ?? throw new InvalidOperationException("TLS_TEST_ENGINE=postgresql needs TLS_TEST_POSTGRES=postgresql://user@host:port/postgres");
        var uri = new Uri(admin);
        var name = "tls_bb_" + Guid.NewGuid().ToString("N")[..16];
        var user = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]);
        var password = uri.UserInfo.Contains(':') ? Uri.UnescapeDataString(uri.UserInfo[(uri.UserInfo.IndexOf(':') + 1)..]) : null;
        var builder = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = uri.Host, Port = uri.Port > 0 ? uri.Port : 5432, Username = user, Password = password,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? db : "postgres", Pooling = false,
        };
        using var connection = new Npgsql.NpgsqlConnection(builder.ConnectionString);
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = $"CREATE DATABASE {name}";
        create.ExecuteNonQuery();
        return new UriBuilder(uri) { Path = "/" + name }.Uri.ToString();
    }
}

/// <summary>A fact about the SQLite file (its lock, WAL, integrity, path rules): skipped when the run targets another engine.</summary>
public sealed class SqliteFactAttribute : FactAttribute
{
    public SqliteFactAttribute()
    {
        if (!TestDatabase.IsSqlite) Skip = $"about the SQLite database file; this run targets {TestDatabase.Engine}";
    }
}
