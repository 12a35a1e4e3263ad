-- 003: what operators set on a task (EXTENSIONS §1, §3, §7), as SQLite's 005: pause, cancel, a
-- not-before time, and the attempt a requeue counts failures from. The claim indexes keep holding
-- exactly the claimable tasks: a paused or canceled task leaves them, as a dead-lettered one does.
ALTER TABLE tasks ADD COLUMN paused boolean NOT NULL DEFAULT false;
ALTER TABLE tasks ADD COLUMN pause_reason text;
ALTER TABLE tasks ADD COLUMN canceled_at_ms bigint;
ALTER TABLE tasks ADD COLUMN cancel_reason text;
ALTER TABLE tasks ADD COLUMN not_before_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN attempts_reset_at bigint NOT NULL DEFAULT 0;

DROP INDEX ix_tasks_claim_free;
DROP INDEX ix_tasks_claim_assigned;
CREATE INDEX ix_tasks_claim_free ON tasks (role, priority DESC, created_at_ms, seq)
  WHERE assignee IS NULL AND role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0
    AND lease_id IS NULL AND NOT retry_wait AND NOT paused AND canceled_at_ms IS NULL;
CREATE INDEX ix_tasks_claim_assigned ON tasks (role, assignee, priority DESC, created_at_ms, seq)
  WHERE assignee IS NOT NULL AND role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0
    AND lease_id IS NULL AND NOT retry_wait AND NOT paused AND canceled_at_ms IS NULL;

-- retry_wait now means "a time gate lies ahead": the retry delay or not_before_ms, whichever ends later.
DROP INDEX ix_tasks_retry_wait;
CREATE INDEX ix_tasks_retry_wait ON tasks (GREATEST(next_eligible_at_ms, not_before_ms)) WHERE retry_wait;

-- GET /ops/queue's claimable count: paused and canceled tasks are not claimable.
DROP INDEX ix_tasks_ops_ready;
CREATE INDEX ix_tasks_ops_ready ON tasks (role, next_eligible_at_ms, created_at_ms)
  WHERE role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL
    AND NOT paused AND canceled_at_ms IS NULL;
