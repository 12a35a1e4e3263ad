using System.Buffers;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Sqlite;

public sealed record NewTask(string PipelineId, string Title, string Description, long Priority, string MetadataJson,
    long? MaxAttempts, long RetryDelayMs, string? DeadLetterStage, IReadOnlyList<string> Dependencies,
    string? AssignedAgentId, string? AssignedBy);

public sealed record TaskFilter(string? Stage, string? PipelineId, (long CreatedAtMs, string Id)? After, int Limit);

public sealed record TaskDetailsRows(TaskRow Task, RunRow? LatestRun, IReadOnlyList<DependencyRow> Dependencies,
    IReadOnlyList<AssignmentRow> Assignments, PipelineDefinition Definition);

/// <summary>Task creation and reads (CONTRACT §8.7-8.10).</summary>
public sealed class TaskStore(SqliteDatabase database, PipelineCatalog catalog)
{
    public string Create(WriteContext ctx, NewTask task) => CreateMany(ctx, [task])[0];

    /// <summary>
    /// Creates a request's tasks (CONTRACT §8.7-8.8): every item is checked in order first, then the
    /// rows go in with one INSERT … SELECT over a JSON array (and one each for dependency edges and
    /// assignments). One statement per request instead of one per task is what makes bulk creation
    /// fast: a statement per row paid a parse, a bind and, inside the unit's savepoint, a statement
    /// journal whose truncation walks everything journaled so far (issue 5). Items cannot refer to one
    /// another, so checking all before inserting any gives the same answers as checking each in turn.
    /// </summary>
    public IReadOnlyList<string> CreateMany(WriteContext ctx, IReadOnlyList<NewTask> tasks)
    {
        var ids = new List<string>(tasks.Count);
        var rows = new ArrayBufferWriter<byte>(tasks.Count * 256);
        var edges = new ArrayBufferWriter<byte>();
        var assignments = new ArrayBufferWriter<byte>();
        using (var rowJson = new Utf8JsonWriter(rows))
        using (var edgeJson = new Utf8JsonWriter(edges))
        using (var assignmentJson = new Utf8JsonWriter(assignments))
        using (var upstream = new UpstreamLookup(ctx.Db))
        {
            rowJson.WriteStartArray();
            edgeJson.WriteStartArray();
            assignmentJson.WriteStartArray();
            foreach (var task in tasks)
            {
                var definition = catalog.Find(ctx.Db, task.PipelineId)
                    ?? throw new ApiError(404, "pipeline_not_found", $"no pipeline has id \"{task.PipelineId}\"");
                var blocked = BlockedCount(upstream, task.Dependencies);
                var id = Ids.New();
                ids.Add(id);
                var stage = definition.Initial;
                WriteRow(rowJson, id, task, stage, definition.RoleOf(stage), definition.IsTerminal(stage), blocked);
                foreach (var dependency in task.Dependencies)
                {
                    edgeJson.WriteStartArray();
                    edgeJson.WriteStringValue(id);
                    edgeJson.WriteStringValue(dependency);
                    edgeJson.WriteEndArray();
                }
                if (task.AssignedAgentId is not null)
                {
                    assignmentJson.WriteStartArray();
                    assignmentJson.WriteStringValue(id);
                    assignmentJson.WriteStringValue(task.AssignedAgentId);
                    assignmentJson.WriteStringValue(task.AssignedBy);
                    assignmentJson.WriteEndArray();
                }
            }
            rowJson.WriteEndArray();
            edgeJson.WriteEndArray();
            assignmentJson.WriteEndArray();
        }

        ctx.Db.Execute("""
            INSERT INTO tasks (id, pipeline_id, stage, title, description, priority, metadata_json, task_version,
                next_eligible_at_ms, max_attempts, retry_delay_ms, dead_letter_stage, dead_letter_reason,
                created_at_ms, updated_at_ms, role, terminal, blocked_deps, assignee)
            SELECT r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, r.value ->> 5, r.value ->> 6, 1,
                0, r.value ->> 7, r.value ->> 8, r.value ->> 9, NULL,
                @now, @now, r.value ->> 10, r.value ->> 11, r.value ->> 12, r.value ->> 13
            FROM json_each(@rows) AS r ORDER BY r.key
            """, new { rows = Encoding.UTF8.GetString(rows.WrittenSpan), now = ctx.Now });
        if (tasks.Any(t => t.Dependencies.Count > 0))
        {
            ctx.Db.Execute("""
                INSERT INTO task_dependencies (task_id, depends_on_task_id, created_at_ms)
                SELECT e.value ->> 0, e.value ->> 1, @now FROM json_each(@edges) AS e ORDER BY e.key
                """, new { edges = Encoding.UTF8.GetString(edges.WrittenSpan), now = ctx.Now });
        }
        if (tasks.Any(t => t.AssignedAgentId is not null))
        {
            ctx.Db.Execute("""
                INSERT INTO task_assignments (task_id, agent_id, assigned_by, active, created_at_ms, updated_at_ms)
                SELECT a.value ->> 0, a.value ->> 1, a.value ->> 2, 1, @now, @now FROM json_each(@assignments) AS a ORDER BY a.key
                """, new { assignments = Encoding.UTF8.GetString(assignments.WrittenSpan), now = ctx.Now });
        }
        return ids;
    }

    /// <summary>Unfinished upstream tasks among <paramref name="dependencies"/>; unknown or repeated ones are refused.</summary>
    private static long BlockedCount(UpstreamLookup upstream, IReadOnlyList<string> dependencies)
    {
        long blocked = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dependency in dependencies)
        {
            var terminal = upstream.Terminal(dependency)
                ?? throw new ApiError(404, "task_not_found", $"upstream task \"{dependency}\" does not exist");
            if (!seen.Add(dependency))
                throw new ApiError(409, "duplicate_dependency", $"dependency \"{dependency}\" is listed twice");
            if (!terminal) blocked++;
        }
        return blocked;
    }

    /// <summary>The columns of one task, in the order the INSERT reads them back with ->>.</summary>
    private static void WriteRow(Utf8JsonWriter json, string id, NewTask task, string stage, string? role, bool terminal, long blocked)
    {
        json.WriteStartArray();
        json.WriteStringValue(id);
        json.WriteStringValue(task.PipelineId);
        json.WriteStringValue(stage);
        json.WriteStringValue(task.Title);
        json.WriteStringValue(task.Description);
        json.WriteNumberValue(task.Priority);
        json.WriteStringValue(task.MetadataJson);
        if (task.MaxAttempts is { } max) json.WriteNumberValue(max); else json.WriteNullValue();
        json.WriteNumberValue(task.RetryDelayMs);
        json.WriteStringValue(task.DeadLetterStage);
        json.WriteStringValue(role);
        json.WriteNumberValue(terminal ? 1 : 0);
        json.WriteNumberValue(blocked);
        json.WriteStringValue(task.AssignedAgentId);
        json.WriteEndArray();
    }

    /// <summary>One prepared "is the upstream terminal?" lookup, reused for every dependency of a request.</summary>
    private sealed class UpstreamLookup(SqliteConnection db) : IDisposable
    {
        private SqliteCommand? _command;

        public bool? Terminal(string id)
        {
            if (_command is null)
            {
                _command = db.CreateCommand();
                _command.CommandText = "SELECT terminal FROM tasks WHERE id = $id";
                _command.Parameters.Add("$id", SqliteType.Text);
            }
            _command.Parameters[0].Value = id;
            return _command.ExecuteScalar() is long terminal ? terminal != 0 : null;
        }

        public void Dispose() => _command?.Dispose();
    }

    public (IReadOnlyList<TaskRow> Items, bool More) List(TaskFilter filter)
    {
        var sql = new StringBuilder($"SELECT {TaskRow.Columns} FROM tasks WHERE 1 = 1");
        if (filter.PipelineId is not null) sql.Append(" AND pipeline_id = @PipelineId");
        if (filter.Stage is not null) sql.Append(" AND stage = @Stage");
        if (filter.After is not null) sql.Append(" AND (created_at_ms, id) > (@afterMs, @afterId)");
        sql.Append(" ORDER BY created_at_ms, id LIMIT @take");

        using var db = database.OpenRead();
        var rows = db.Query<TaskRow>(sql.ToString(), new
        {
            filter.PipelineId, filter.Stage, afterMs = filter.After?.CreatedAtMs, afterId = filter.After?.Id,
            take = filter.Limit + 1,
        }).AsList();
        var more = rows.Count > filter.Limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        return (rows, more);
    }

    public TaskDetailsRows? Details(string id)
    {
        using var db = database.OpenRead();
        using var snapshot = ReadSnapshot.Begin(db);
        var task = Find(db, id);
        if (task is null) return null;
        var latestRun = db.QuerySingleOrDefault<RunRow>(
            $"SELECT {RunRow.Columns} FROM runs WHERE task_id = @id ORDER BY attempt DESC LIMIT 1", new { id });
        return new TaskDetailsRows(task, latestRun, DependencyStore.ListOf(db, id), AssignmentStore.ListOf(db, id),
            catalog.Get(db, task.PipelineId));
    }

    internal static TaskRow? Find(SqliteConnection db, string id) =>
        db.QuerySingleOrDefault<TaskRow>($"SELECT {TaskRow.Columns} FROM tasks WHERE id = @id", new { id });
}
