namespace TaskLeaseServer.Storage.Postgres;

/// <summary>
/// The claim on PostgreSQL: the three places a winner can be (ready and unassigned, ready and
/// assigned to this agent, just past a retry delay or not-before time the sweeper has not cleared) are each a
/// LIMIT 1 FOR UPDATE SKIP LOCKED seek of a partial index holding exactly those tasks, so
/// concurrent claimers step over each other's rows instead of queueing on them, and blocked or
/// leased tasks cost nothing. The best of the (at most three) locked candidates is marked in the
/// same statement; the others stay locked only until the unit commits. MATERIALIZED keeps each
/// branch evaluated once: an inlined locking subquery may be re-run and lock more than one row.
/// Ties: priority DESC, created_at_ms, then seq (insertion order), first in first out.
/// </summary>
internal static class ClaimSql
{
    private const string Ready =
        "role = @role AND role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL " +
        "AND NOT paused AND canceled_at_ms IS NULL";

    /// <summary>The end of a task's time gates (retry delay, not-before): the key of ix_tasks_retry_wait.</summary>
    public const string EligibleAt = "GREATEST(next_eligible_at_ms, not_before_ms)";

    private const string Order = "ORDER BY priority DESC, created_at_ms, seq LIMIT 1 FOR UPDATE SKIP LOCKED";

    public const string Claim = $"""
        WITH free AS MATERIALIZED (
            SELECT id, priority, created_at_ms, seq FROM tasks
            WHERE {Ready} AND NOT retry_wait AND assignee IS NULL AND stage <> ALL(@full) AND (pipeline_id || chr(31) || stage) <> ALL(@limitedPairs)
            {Order}),
        mine AS MATERIALIZED (
            SELECT id, priority, created_at_ms, seq FROM tasks
            WHERE {Ready} AND NOT retry_wait AND assignee IS NOT NULL AND assignee = @agent AND stage <> ALL(@full) AND (pipeline_id || chr(31) || stage) <> ALL(@limitedPairs)
            {Order}),
        due AS MATERIALIZED (
            SELECT id, priority, created_at_ms, seq FROM tasks
            WHERE retry_wait AND {EligibleAt} <= @now AND {Ready} AND (assignee IS NULL OR assignee = @agent)
              AND stage <> ALL(@full) AND (pipeline_id || chr(31) || stage) <> ALL(@limitedPairs)
            {Order}),
        winner AS (
            SELECT id FROM (SELECT * FROM free UNION ALL SELECT * FROM mine UNION ALL SELECT * FROM due) c
            ORDER BY priority DESC, created_at_ms, seq LIMIT 1)
        UPDATE tasks t SET lease_id = @leaseId, retry_wait = false
        FROM winner w WHERE t.id = w.id AND t.lease_id IS NULL
        RETURNING {Columns}
        """;

    private const string Columns =
        "t.id, t.pipeline_id, t.stage, t.title, t.description, t.priority, t.metadata_json, t.task_version, " +
        "t.next_eligible_at_ms, t.max_attempts, t.retry_delay_ms, t.dead_letter_stage, t.dead_letter_reason, " +
        "t.created_at_ms, t.updated_at_ms, t.terminal, t.lease_id, t.role, t.blocked_deps, t.assignee, t.paused, " +
        "t.pause_reason, t.canceled_at_ms, t.cancel_reason, t.not_before_ms, t.attempts_reset_at";
}
