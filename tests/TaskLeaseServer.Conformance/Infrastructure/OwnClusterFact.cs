using Npgsql;
using TaskLeaseServer.Testing;
using Xunit;

namespace TaskLeaseServer.Conformance.Infrastructure;

/// <summary>
/// A fact that needs a PostgreSQL cluster of its own (<see cref="OwnCluster"/>), whatever engine the
/// run targets. Skipped, with the reason, only on a machine without PostgreSQL binaries; under CI
/// (CI=true, where .ci/run installs them) it runs and fails instead.
/// </summary>
public sealed class OwnClusterFactAttribute : FactAttribute
{
    public OwnClusterFactAttribute()
    {
        if (OwnCluster.Unavailable is { } why && Environment.GetEnvironmentVariable("CI") != "true") Skip = why;
    }
}

/// <summary>The one query shape the facts need to look into a node's database (no Dapper here).</summary>
public static class SqlScalar
{
    /// <summary>Runs <paramref name="sql"/> with the properties of <paramref name="args"/> as @parameters; returns the first column of the first row.</summary>
    public static T ExecuteScalar<T>(this NpgsqlConnection db, string sql, object? args = null)
    {
        using var command = new NpgsqlCommand(sql, db);
        foreach (var p in args?.GetType().GetProperties() ?? []) command.Parameters.AddWithValue(p.Name, p.GetValue(args) ?? DBNull.Value);
        var value = command.ExecuteScalar();
        return value is null or DBNull ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
