using Dapper;

namespace TaskLeaseServer.Storage.Postgres.Writes;

/// <summary>
/// A request's tasks go in with one INSERT … SELECT FROM unnest(column arrays) (and one each for
/// dependency edges, assignments and the stage count delta): one statement per request, not per
/// task. WITH ORDINALITY keeps the request's order, so seq (the FIFO tie-break) follows it.
/// </summary>
internal static class TaskInserts
{
    public static void Run(PostgresWriteUnit unit, IReadOnlyList<TaskInsert> tasks)
    {
        var now = unit.Now;
        unit.Db.Execute("""
            INSERT INTO tasks (id, pipeline_id, stage, title, description, priority, metadata_json, task_version,
                next_eligible_at_ms, max_attempts, retry_delay_ms, dead_letter_stage, dead_letter_reason,
                created_at_ms, updated_at_ms, role, terminal, blocked_deps, assignee, not_before_ms, paused, retry_wait)
            SELECT r.id, r.pipeline_id, r.stage, r.title, r.description, r.priority, r.metadata_json, 1,
                0, r.max_attempts, r.retry_delay_ms, r.dead_letter_stage, NULL,
                @now, @now, r.role, r.terminal, r.blocked_deps, r.assignee, r.not_before_ms, r.paused, r.not_before_ms > @now
            FROM unnest(@ids, @pipelines, @stages, @titles, @descriptions, @priorities, @metadata, @maxAttempts,
                        @retryDelays, @deadLetterStages, @roles, @terminals, @blocked, @assignees, @notBefore, @paused)
                 WITH ORDINALITY AS r(id, pipeline_id, stage, title, description, priority, metadata_json, max_attempts,
                        retry_delay_ms, dead_letter_stage, role, terminal, blocked_deps, assignee, not_before_ms, paused, n)
            ORDER BY r.n
            """, new
        {
            now,
            ids = tasks.Select(t => t.Id).ToArray(),
            pipelines = tasks.Select(t => t.Task.PipelineId).ToArray(),
            stages = tasks.Select(t => t.Stage).ToArray(),
            titles = tasks.Select(t => t.Task.Title).ToArray(),
            descriptions = tasks.Select(t => t.Task.Description).ToArray(),
            priorities = tasks.Select(t => t.Task.Priority).ToArray(),
            metadata = tasks.Select(t => t.Task.MetadataJson).ToArray(),
            maxAttempts = tasks.Select(t => t.Task.MaxAttempts).ToArray(),
            retryDelays = tasks.Select(t => t.Task.RetryDelayMs).ToArray(),
            deadLetterStages = tasks.Select(t => t.Task.DeadLetterStage).ToArray(),
            roles = tasks.Select(t => t.Role).ToArray(),
            terminals = tasks.Select(t => t.Terminal).ToArray(),
            blocked = tasks.Select(t => t.BlockedDeps).ToArray(),
            assignees = tasks.Select(t => t.Task.AssignedAgentId).ToArray(),
            notBefore = tasks.Select(t => t.Task.NotBeforeMs).ToArray(),
            paused = tasks.Select(t => t.Task.Paused).ToArray(),
        });
        unit.Db.Execute("""
            INSERT INTO stage_count_deltas (stage, delta)
            SELECT stage, COUNT(*) FROM unnest(@stages) AS s(stage) GROUP BY stage ORDER BY stage
            """, new { stages = tasks.Select(t => t.Stage).ToArray() });

        var edges = tasks.SelectMany(t => t.Task.Dependencies.Select(d => (Task: t.Id, Upstream: d))).ToList();
        if (edges.Count > 0)
        {
            unit.Db.Execute("""
                INSERT INTO task_dependencies (task_id, depends_on_task_id, created_at_ms)
                SELECT e.task_id, e.upstream, @now FROM unnest(@taskIds, @upstreams) WITH ORDINALITY AS e(task_id, upstream, n)
                ORDER BY e.n
                """, new { now, taskIds = edges.Select(e => e.Task).ToArray(), upstreams = edges.Select(e => e.Upstream).ToArray() });
        }
        var assigned = tasks.Where(t => t.Task.AssignedAgentId is not null).ToList();
        if (assigned.Count > 0)
        {
            unit.Db.Execute("""
                INSERT INTO task_assignments (task_id, agent_id, assigned_by, active, created_at_ms, updated_at_ms)
                SELECT a.task_id, a.agent_id, a.assigned_by, true, @now, @now
                FROM unnest(@taskIds, @agents, @by) WITH ORDINALITY AS a(task_id, agent_id, assigned_by, n)
                ORDER BY a.n
                """, new
            {
                now,
                taskIds = assigned.Select(t => t.Id).ToArray(),
                agents = assigned.Select(t => t.Task.AssignedAgentId).ToArray(),
                by = assigned.Select(t => t.Task.AssignedBy).ToArray(),
            });
        }
    }
}
