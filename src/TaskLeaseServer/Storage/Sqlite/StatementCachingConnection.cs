using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// The writer's connection: every statement Dapper runs on it is prepared once and kept, keyed by its
/// SQL text. Microsoft.Data.Sqlite prepares afresh for each new command, and on the write path that
/// parse-and-plan cost was about a third of the storage work of a claim → event → transition cycle —
/// the claim query alone took ~180 µs to prepare against ~4 µs to run (issue 5, docs/benchmarks.md).
/// Only Dapper's route (IDbConnection.CreateCommand) goes through the cache; code that asks for a
/// SqliteCommand directly gets an ordinary one. Used by the single writer thread only.
/// </summary>
internal sealed class StatementCachingConnection(string connectionString) : SqliteConnection(connectionString)
{
    /// <summary>Enough for every fixed statement of the server; dynamic SQL past it runs uncached.</summary>
    private const int MaxStatements = 512;

    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);
    private readonly List<RawStatement> _raw = [];

    /// <summary>A statement bound by hand (<see cref="RawStatement"/>), finalized with the connection.</summary>
    public RawStatement Raw(string sql)
    {
        var statement = new RawStatement(this, sql);
        _raw.Add(statement);
        return statement;
    }

    protected override DbCommand CreateDbCommand() => new CachedCommand(this);

    /// <summary>The kept command for <paramref name="sql"/>, or null when the cache is full.</summary>
    private SqliteCommand? Statement(string sql)
    {
        if (_statements.TryGetValue(sql, out var command)) return command;
        if (_statements.Count >= MaxStatements) return null;
        command = CreateCommand();
        command.CommandText = sql;
        _statements.Add(sql, command);
        return command;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var command in _statements.Values) command.Dispose();
            _statements.Clear();
            foreach (var statement in _raw) statement.Dispose();
            _raw.Clear();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// What Dapper fills in and executes: it collects the parameters, then runs them on the kept
    /// statement for its text (moving the parameter objects over, so their types bind exactly as
    /// they would have on a fresh command).
    /// </summary>
    [SuppressMessage("Security", "CA2100", Justification = "SQL text comes from the stores' constants, values are parameters")]
    private sealed class CachedCommand(StatementCachingConnection connection) : DbCommand
    {
        private readonly SqliteCommand _collector = new();

        [AllowNull]
        public override string CommandText { get; set; } = "";
        public override int CommandTimeout { get; set; }
        public override CommandType CommandType { get; set; } = CommandType.Text;
        public override UpdateRowSource UpdatedRowSource { get; set; }
        public override bool DesignTimeVisible { get; set; }
        protected override DbConnection? DbConnection { get => connection; set => throw new NotSupportedException(); }
        protected override DbParameterCollection DbParameterCollection => _collector.Parameters;
        protected override DbTransaction? DbTransaction { get; set; }

        public override void Cancel() { }
        public override void Prepare() { }
        protected override DbParameter CreateDbParameter() => new SqliteParameter();

        public override int ExecuteNonQuery() => Bound().ExecuteNonQuery();
        public override object? ExecuteScalar() => Bound().ExecuteScalar();
        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Bound().ExecuteReader(behavior);

        private SqliteCommand Bound()
        {
            if (CommandType != CommandType.Text) throw new NotSupportedException("only SQL text runs on the writer");
            var statement = connection.Statement(CommandText);
            if (statement is null)
            {
                statement = connection.CreateCommand();
                statement.CommandText = CommandText;
            }
            var parameters = _collector.Parameters.Cast<SqliteParameter>().ToArray();
            _collector.Parameters.Clear();
            statement.Parameters.Clear();
            statement.Parameters.AddRange(parameters);
            return statement;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _collector.Dispose();
            base.Dispose(disposing);
        }
    }
}
