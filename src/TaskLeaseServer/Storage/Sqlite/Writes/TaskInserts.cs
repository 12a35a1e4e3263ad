using System.Buffers;
using System.Text;
using System.Text.Json;
using Dapper;
using TaskLeaseServer.Domain;

namespace TaskLeaseServer.Storage.Sqlite.Writes;

/// <summary>
/// A request's tasks go in through one INSERT prepared once on the writer and bound by position per
/// row (<see cref="RawStatement"/>), then one stage-count upsert per stage (the insert trigger is
/// gone, 004): profiled, the JSON array
/// the rows used to travel in cost more than it saved — SQLite re-parsed each row's JSON for every
/// one of its 14 `->>` extractions — and the per-row trigger was a sub-program and a stage_counts
/// write per task (docs/benchmarks.md). Dependency edges and assignments, rare in bulk, still go in
/// with one INSERT … SELECT over a JSON array each. Writer thread only.
/// </summary>
internal sealed class TaskInserts(SqliteWriteUnit unit)
{
    private RawStatement? _insert, _count, _search;

    public void Run(IReadOnlyList<TaskInsert> tasks)
    {
        if (tasks.Count == 0) return;
        var (first, last) = InsertRows(tasks);
        IndexForSearch(first, last);
        CountStages(tasks);
        InsertEdgesAndAssignments(tasks);
    }

    private void InsertEdgesAndAssignments(IReadOnlyList<TaskInsert> tasks)
    {
        var edges = new ArrayBufferWriter<byte>();
        var assignments = new ArrayBufferWriter<byte>();
        bool anyEdge = false, anyAssignment = false;
        using (var edgeJson = new Utf8JsonWriter(edges))
        using (var assignmentJson = new Utf8JsonWriter(assignments))
        {
            edgeJson.WriteStartArray();
            assignmentJson.WriteStartArray();
            foreach (var insert in tasks)
            {
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
            edgeJson.WriteEndArray();
            assignmentJson.WriteEndArray();
        }

        var now = unit.Now;
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

    /// <summary>Inserts the rows; answers the first and last rowid they were given.</summary>
    private (long First, long Last) InsertRows(IReadOnlyList<TaskInsert> tasks)
    {
        _insert ??= ((StatementCachingConnection)unit.Db).Raw("""
            INSERT INTO tasks (id, pipeline_id, stage, title, description, priority, metadata_json, task_version,
                next_eligible_at_ms, max_attempts, retry_delay_ms, dead_letter_stage, dead_letter_reason,
                created_at_ms, updated_at_ms, role, terminal, blocked_deps, assignee, not_before_ms, paused, retry_wait)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, 0, ?8, ?9, ?10, NULL, ?11, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
            """);
        _insert.Integer(11, unit.Now);
        long first = 0;
        foreach (var insert in tasks)
        {
            var task = insert.Task;
            _insert.Text(1, insert.Id).Text(2, task.PipelineId).Text(3, insert.Stage).Text(4, task.Title)
                .Text(5, task.Description).Integer(6, task.Priority).Text(7, task.MetadataJson)
                .Integer(8, task.MaxAttempts).Integer(9, task.RetryDelayMs).Text(10, task.DeadLetterStage)
                .Text(12, insert.Role).Integer(13, insert.Terminal ? 1 : 0).Integer(14, insert.BlockedDeps)
                .Text(15, task.AssignedAgentId).Integer(16, task.NotBeforeMs).Integer(17, task.Paused ? 1 : 0)
                .Integer(18, ClaimRule.Waiting(task.NotBeforeMs, unit.Now) ? 1 : 0)
                .Execute();
            if (first == 0) first = _insert.LastRowId;
        }
        return (first, _insert.LastRowId);
    }

    /// <summary>
    /// The request's rows enter tasks_fts in one statement (014 dropped the insert trigger): a
    /// trigger writing the virtual table made every row's INSERT a statement transaction, and
    /// FTS5 flushes its pending terms to a new segment at each one, so a 250-task request wrote 250
    /// one-row segments, merged them, and kept a statement journal per row (the profile's top
    /// frame). The range holds exactly this request's rows: the writer is the only one inserting
    /// and a rowid is the largest one plus one.
    /// </summary>
    private void IndexForSearch(long first, long last)
    {
        _search ??= ((StatementCachingConnection)unit.Db).Raw("""
            INSERT INTO tasks_fts (rowid, title, description)
            SELECT rowid, title, description FROM tasks WHERE rowid BETWEEN ?1 AND ?2
            """);
        _search.Integer(1, first).Integer(2, last).Execute();
    }

    /// <summary>What the insert trigger did per row, once per stage: a request's tasks share their first stage.</summary>
    private void CountStages(IReadOnlyList<TaskInsert> tasks)
    {
        _count ??= ((StatementCachingConnection)unit.Db).Raw("""
            INSERT INTO stage_counts (stage, count) VALUES (?1, ?2)
            ON CONFLICT (stage) DO UPDATE SET count = count + excluded.count
            """);
        foreach (var group in tasks.GroupBy(t => t.Stage, StringComparer.Ordinal))
        {
            _count.Text(1, group.Key).Integer(2, group.Count()).Execute();
        }
    }
}
