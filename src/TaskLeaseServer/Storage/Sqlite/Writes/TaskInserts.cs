using System.Buffers;
using System.Text;
using System.Text.Json;
using Dapper;

namespace TaskLeaseServer.Storage.Sqlite.Writes;

/// <summary>
/// A request's tasks go in with one INSERT … SELECT over a JSON array (and one each for dependency
/// edges and assignments). One statement per request instead of one per task is what makes bulk
/// creation fast: a statement per row paid a parse, a bind and, inside the unit's savepoint, a
/// statement journal whose truncation walks everything journaled so far (issue 5).
/// </summary>
internal static class TaskInserts
{
    public static void Run(SqliteWriteUnit unit, IReadOnlyList<TaskInsert> tasks)
    {
        var rows = new ArrayBufferWriter<byte>(tasks.Count * 256);
        var edges = new ArrayBufferWriter<byte>();
        var assignments = new ArrayBufferWriter<byte>();
        bool anyEdge = false, anyAssignment = false;
        using (var rowJson = new Utf8JsonWriter(rows))
        using (var edgeJson = new Utf8JsonWriter(edges))
        using (var assignmentJson = new Utf8JsonWriter(assignments))
        {
            rowJson.WriteStartArray();
            edgeJson.WriteStartArray();
            assignmentJson.WriteStartArray();
            foreach (var insert in tasks)
            {
                WriteRow(rowJson, insert);
                foreach (var dependency in insert.Task.Dependencies)
                {
                    anyEdge = true;
                    edgeJson.WriteStartArray();
                    edgeJson.WriteStringValue(insert.Id);
                    edgeJson.WriteStringValue(dependency);
                    edgeJson.WriteEndArray();
                }
                if (insert.Task.AssignedAgentId is not null)
                {
                    anyAssignment = true;
                    assignmentJson.WriteStartArray();
                    assignmentJson.WriteStringValue(insert.Id);
                    assignmentJson.WriteStringValue(insert.Task.AssignedAgentId);
                    assignmentJson.WriteStringValue(insert.Task.AssignedBy);
                    assignmentJson.WriteEndArray();
                }
            }
            rowJson.WriteEndArray();
            edgeJson.WriteEndArray();
            assignmentJson.WriteEndArray();
        }

        var now = unit.Now;
        unit.Db.Execute("""
            INSERT INTO tasks (id, pipeline_id, stage, title, description, priority, metadata_json, task_version,
                next_eligible_at_ms, max_attempts, retry_delay_ms, dead_letter_stage, dead_letter_reason,
                created_at_ms, updated_at_ms, role, terminal, blocked_deps, assignee)
            SELECT r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, r.value ->> 5, r.value ->> 6, 1,
                0, r.value ->> 7, r.value ->> 8, r.value ->> 9, NULL,
                @now, @now, r.value ->> 10, r.value ->> 11, r.value ->> 12, r.value ->> 13
            FROM json_each(@rows) AS r ORDER BY r.key
            """, new { rows = Encoding.UTF8.GetString(rows.WrittenSpan), now });
        if (anyEdge)
        {
            unit.Db.Execute("""
                INSERT INTO task_dependencies (task_id, depends_on_task_id, created_at_ms)
                SELECT e.value ->> 0, e.value ->> 1, @now FROM json_each(@edges) AS e ORDER BY e.key
                """, new { edges = Encoding.UTF8.GetString(edges.WrittenSpan), now });
        }
        if (anyAssignment)
        {
            unit.Db.Execute("""
                INSERT INTO task_assignments (task_id, agent_id, assigned_by, active, created_at_ms, updated_at_ms)
                SELECT a.value ->> 0, a.value ->> 1, a.value ->> 2, 1, @now, @now FROM json_each(@assignments) AS a ORDER BY a.key
                """, new { assignments = Encoding.UTF8.GetString(assignments.WrittenSpan), now });
        }
    }

    /// <summary>The columns of one task, in the order the INSERT reads them back with ->>.</summary>
    private static void WriteRow(Utf8JsonWriter json, TaskInsert insert)
    {
        var task = insert.Task;
        json.WriteStartArray();
        json.WriteStringValue(insert.Id);
        json.WriteStringValue(task.PipelineId);
        json.WriteStringValue(insert.Stage);
        json.WriteStringValue(task.Title);
        json.WriteStringValue(task.Description);
        json.WriteNumberValue(task.Priority);
        json.WriteStringValue(task.MetadataJson);
        if (task.MaxAttempts is { } max) json.WriteNumberValue(max); else json.WriteNullValue();
        json.WriteNumberValue(task.RetryDelayMs);
        json.WriteStringValue(task.DeadLetterStage);
        json.WriteStringValue(insert.Role);
        json.WriteNumberValue(insert.Terminal ? 1 : 0);
        json.WriteNumberValue(insert.BlockedDeps);
        json.WriteStringValue(task.AssignedAgentId);
        json.WriteEndArray();
    }
}
