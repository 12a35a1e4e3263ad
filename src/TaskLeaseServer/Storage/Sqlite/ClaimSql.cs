namespace TaskLeaseServer.Storage.Sqlite;

/// <summary>
/// The claim, as SQLite runs it: the three places a winner can be — ready and unassigned, ready and
/// assigned to this agent, or just past a retry delay or not-before time that the sweeper has not yet cleared — are
/// each one seek of an index whose predicate is exactly the ready terms (Domain.ClaimRule), so
/// blocked, leased, paused, canceled, delayed or assigned-away tasks cost nothing. INDEXED BY makes a plan that
/// stops using them fail loudly. The winner is marked in the same statement, on the condition
/// that it is still unleased, and comes back as the task row. The index ends in the rowid, which
/// is the insertion order: equal priority and creation time are claimed first in, first out.
/// </summary>
internal static class ClaimSql
{
    /// <summary>The ready terms every claim branch and the ops counts share (see the claim index in 005).</summary>
    public const string Ready =
        "role = @role AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL AND paused = 0 AND canceled_at_ms IS NULL";

    /// <summary>The end of a task's time gates (retry delay, not-before): the key of ix_tasks_retry_wait.</summary>
    public const string EligibleAt = "max(next_eligible_at_ms, not_before_ms)";

    public const string Any = $"""
        UPDATE tasks SET lease_id = @leaseId, retry_wait = 0
        WHERE id = (SELECT id FROM (
            SELECT * FROM (SELECT id, priority, created_at_ms, rowid AS seq FROM tasks INDEXED BY ix_tasks_claim
              WHERE {Ready} AND retry_wait = 0 AND assignee IS NULL
              ORDER BY priority DESC, created_at_ms, rowid LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT id, priority, created_at_ms, rowid AS seq FROM tasks INDEXED BY ix_tasks_claim
              WHERE {Ready} AND retry_wait = 0 AND assignee = @agent
              ORDER BY priority DESC, created_at_ms, rowid LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT id, priority, created_at_ms, rowid AS seq FROM tasks INDEXED BY ix_tasks_retry_wait
              WHERE retry_wait = 1 AND {EligibleAt} <= @now AND {Ready} AND (assignee IS NULL OR assignee = @agent)
              ORDER BY priority DESC, created_at_ms, rowid LIMIT 1))
          ORDER BY priority DESC, created_at_ms, seq LIMIT 1)
          AND lease_id IS NULL
        RETURNING {TaskRow.Columns}
        """;

    /// <summary>The same, skipping stages at their per-state limit and (pipeline, stage) pairs at their max_concurrent.</summary>
    public const string OutsideFullStages = $"""
        UPDATE tasks SET lease_id = @leaseId, retry_wait = 0
        WHERE id = (SELECT id FROM (
            SELECT * FROM (SELECT id, priority, created_at_ms, rowid AS seq FROM tasks INDEXED BY ix_tasks_claim
              WHERE {Ready} AND retry_wait = 0 AND assignee IS NULL AND stage NOT IN @full AND (pipeline_id || char(31) || stage) NOT IN @limitedPairs
              ORDER BY priority DESC, created_at_ms, rowid LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT id, priority, created_at_ms, rowid AS seq FROM tasks INDEXED BY ix_tasks_claim
              WHERE {Ready} AND retry_wait = 0 AND assignee = @agent AND stage NOT IN @full AND (pipeline_id || char(31) || stage) NOT IN @limitedPairs
              ORDER BY priority DESC, created_at_ms, rowid LIMIT 1)
            UNION ALL
            SELECT * FROM (SELECT id, priority, created_at_ms, rowid AS seq FROM tasks INDEXED BY ix_tasks_retry_wait
              WHERE retry_wait = 1 AND {EligibleAt} <= @now AND {Ready} AND (assignee IS NULL OR assignee = @agent)
                AND stage NOT IN @full AND (pipeline_id || char(31) || stage) NOT IN @limitedPairs
              ORDER BY priority DESC, created_at_ms, rowid LIMIT 1))
          ORDER BY priority DESC, created_at_ms, seq LIMIT 1)
          AND lease_id IS NULL
        RETURNING {TaskRow.Columns}
        """;
}
