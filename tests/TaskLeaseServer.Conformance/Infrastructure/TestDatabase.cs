using Xunit;

namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>
/// The database each test server runs on. The suite talks only HTTP, so the same facts run on
/// every engine: <c>TLS_TEST_ENGINE</c> names the one this run targets (default <c>sqlite</c>, a fresh
/// file in the server's temp directory). Facts about the SQLite file itself carry
/// <see cref="SqliteFactAttribute"/> and live in <c>Sqlite/</c> or say so where they stand.
/// </summary>
public static class TestDatabase
{
    public static string Engine => Environment.GetEnvironmentVariable("TLS_TEST_ENGINE") is { Length: > 0 } e ? e : "sqlite";

    public static bool IsSqlite => Engine == "sqlite";

    /// <summary>A fresh, empty database for one server, as its <c>--db</c> value.</summary>
    public static string Fresh(string tempDir, string name = "t") => IsSqlite
        ? Path.Combine(tempDir, name + ".db")
        : throw new NotSupportedException($"TLS_TEST_ENGINE={Engine}: this build's black-box suite can make fresh databases for sqlite only");
}

/// <summary>A fact about the SQLite file (its lock, WAL, integrity, path rules): skipped when the run targets another engine.</summary>
public sealed class SqliteFactAttribute : FactAttribute
{
    public SqliteFactAttribute()
    {
        if (!TestDatabase.IsSqlite) Skip = $"about the SQLite database file; this run targets {TestDatabase.Engine}";
    }
}
