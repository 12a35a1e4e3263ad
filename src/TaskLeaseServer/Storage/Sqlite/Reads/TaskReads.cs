using Dapper;
using Microsoft.Data.Sqlite;

namespace TaskLeaseServer.Storage.Sqlite.Reads;

internal sealed partial class SqliteReads
{
    // GET /tasks pages in (created_at_ms, id) order: one named statement per filter combination,
    // each served by an index (ix_tasks_created, ix_tasks_stage, ix_tasks_pipeline). The first
    // page starts after (long.MinValue, ""), so every page is the same index seek.
    private const string TasksAll = $"""
        SELECT {TaskRow.Select} FROM tasks
        WHERE (created_at_ms, id) > (@afterMs, @afterId) ORDER BY created_at_ms, id LIMIT @take
        """;
    private const string TasksOfStage = $"""
        SELECT {TaskRow.Select} FROM tasks
        WHERE stage = @Stage AND (created_at_ms, id) > (@afterMs, @afterId) ORDER BY created_at_ms, id LIMIT @take
        """;
    // The pipeline-only filter has no index of its own: ix_tasks_pipeline is (pipeline_id, stage,
    // created_at_ms, id), so "WHERE pipeline_id = ? ORDER BY created_at_ms, id" sorted every task of
    // the pipeline for each page. A pipeline has a few stages, all in pipeline_stage_roles, so the
    // page is the merge of one index seek per stage (each at most a page long) — an index of its
    // own would cost every task insert and stage move (docs/architecture.md, "Listing indexes").
    private const string TasksOfPipeline = $"""
        SELECT {TaskRow.Select} FROM tasks WHERE rowid IN (
          SELECT t.rowid FROM pipeline_stage_roles s JOIN tasks t ON t.rowid IN (
              SELECT rowid FROM tasks INDEXED BY ix_tasks_pipeline
              WHERE pipeline_id = s.pipeline_id AND stage = s.stage AND (created_at_ms, id) > (@afterMs, @afterId)
              ORDER BY created_at_ms, id LIMIT @take)
          WHERE s.pipeline_id = @PipelineId
          ORDER BY t.created_at_ms, t.id LIMIT @take)
        ORDER BY created_at_ms, id
        """;
    private const string TasksOfPipelineStage = $"""
        SELECT {TaskRow.Select} FROM tasks
        WHERE pipeline_id = @PipelineId AND stage = @Stage AND (created_at_ms, id) > (@afterMs, @afterId)
        ORDER BY created_at_ms, id LIMIT @take
        """;

    private static readonly TaskListQuery.Dialect Dialect = new("{0} = 1", "max");

    public RowPage<TaskRow> Tasks(TaskFilter filter)
    {
        if (filter.Search is { IsPlain: false } search) return Search(filter, search);
        var sql = (filter.PipelineId, filter.Stage) switch
        {
            (null, null) => TasksAll,
            (null, _) => TasksOfStage,
            (_, null) => TasksOfPipeline,
            _ => TasksOfPipelineStage,
        };
        using var db = Open();
        var rows = db.Query<TaskRow>(sql, new
        {
            filter.PipelineId, filter.Stage, afterMs = filter.After?.CreatedAtMs ?? long.MinValue, afterId = filter.After?.Id ?? "", take = filter.Limit + 1,
        }).AsList();
        return RowPage<TaskRow>.Of(rows, filter.Limit);
    }

    public TaskDetailsRows? TaskDetails(string id)
    {
        using var db = Open();
        using var snapshot = ReadSnapshot.Begin(db);
        var task = db.QuerySingleOrDefault<TaskRow>($"SELECT {TaskRow.Select} FROM tasks WHERE id = @id", new { id });
        if (task is null) return null;
        var latestRun = db.QuerySingleOrDefault<RunRow>(
            $"SELECT {RunRow.Columns} FROM runs WHERE task_id = @id ORDER BY attempt DESC LIMIT 1", new { id });
        var definition = catalog.Find(task.PipelineId, pid =>
            db.QuerySingleOrDefault<string>("SELECT definition_json FROM pipelines WHERE id = @pid", new { pid }))!;
        var usages = db.Query<string>("SELECT usage_json FROM runs WHERE task_id = @id ORDER BY attempt", new { id }).AsList();
        return new TaskDetailsRows(task, latestRun, DependenciesOf(db, id), AssignmentsOf(db, id), definition, usages);
    }

    public IReadOnlyList<DependencyRow> Dependencies(string taskId)
    {
        using var db = Open();
        return DependenciesOf(db, taskId);
    }

    public IReadOnlyList<AssignmentRow> Assignments(string taskId)
    {
        using var db = Open();
        return AssignmentsOf(db, taskId);
    }

    internal static List<DependencyRow> DependenciesOf(SqliteConnection db, string taskId) =>
        db.Query<DependencyRow>("""
            SELECT d.depends_on_task_id, u.terminal AS resolved
            FROM task_dependencies d JOIN tasks u ON u.id = d.depends_on_task_id
            WHERE d.task_id = @taskId ORDER BY d.created_at_ms, d.rowid
            """, new { taskId }).AsList();

    internal static List<AssignmentRow> AssignmentsOf(SqliteConnection db, string taskId) =>
        db.Query<AssignmentRow>("""
            SELECT task_id, agent_id, assigned_by, active, created_at_ms, updated_at_ms
            FROM task_assignments WHERE task_id = @taskId ORDER BY created_at_ms, rowid
            """, new { taskId }).AsList();
}
