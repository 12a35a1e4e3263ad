using System.Text;
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
    public string Create(WriteContext ctx, NewTask task)
    {
        var definition = catalog.Find(ctx.Db, task.PipelineId)
            ?? throw new ApiError(404, "pipeline_not_found", $"no pipeline has id \"{task.PipelineId}\"");

        long blocked = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var upstream in task.Dependencies)
        {
            var terminal = ctx.Db.QuerySingleOrDefault<bool?>("SELECT terminal FROM tasks WHERE id = @upstream", new { upstream })
                ?? throw new ApiError(404, "task_not_found", $"upstream task \"{upstream}\" does not exist");
            if (!seen.Add(upstream))
                throw new ApiError(409, "duplicate_dependency", $"dependency \"{upstream}\" is listed twice");
            if (!terminal) blocked++;
        }

        var id = Ids.New();
        var stage = definition.Initial;
        ctx.Db.Execute("""
            INSERT INTO tasks (id, pipeline_id, stage, title, description, priority, metadata_json, task_version,
                next_eligible_at_ms, max_attempts, retry_delay_ms, dead_letter_stage, dead_letter_reason,
                created_at_ms, updated_at_ms, role, terminal, blocked_deps, assignee)
            VALUES (@id, @PipelineId, @stage, @Title, @Description, @Priority, @MetadataJson, 1,
                0, @MaxAttempts, @RetryDelayMs, @DeadLetterStage, NULL,
                @now, @now, @role, @terminal, @blocked, @AssignedAgentId)
            """,
            new
            {
                id, task.PipelineId, stage, task.Title, task.Description, task.Priority, task.MetadataJson,
                task.MaxAttempts, task.RetryDelayMs, task.DeadLetterStage, now = ctx.Now,
                role = definition.RoleOf(stage), terminal = definition.IsTerminal(stage), blocked, task.AssignedAgentId,
            });
        foreach (var upstream in task.Dependencies)
        {
            ctx.Db.Execute(
                "INSERT INTO task_dependencies (task_id, depends_on_task_id, created_at_ms) VALUES (@id, @upstream, @now)",
                new { id, upstream, now = ctx.Now });
        }
        if (task.AssignedAgentId is not null)
        {
            ctx.Db.Execute("""
                INSERT INTO task_assignments (task_id, agent_id, assigned_by, active, created_at_ms, updated_at_ms)
                VALUES (@id, @AssignedAgentId, @AssignedBy, 1, @now, @now)
                """, new { id, task.AssignedAgentId, task.AssignedBy, now = ctx.Now });
        }
        return id;
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
