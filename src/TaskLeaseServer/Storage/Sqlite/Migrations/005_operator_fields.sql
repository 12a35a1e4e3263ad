-- 005: what operators set on a task (EXTENSIONS §1, §3, §7): pause, cancel, a not-before time, and
-- the attempt a requeue counts failures from. The claim index keeps holding exactly the claimable
-- tasks: a paused or canceled task leaves it, as a dead-lettered one does.
ALTER TABLE tasks ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN pause_reason TEXT;
ALTER TABLE tasks ADD COLUMN canceled_at_ms INTEGER;
ALTER TABLE tasks ADD COLUMN cancel_reason TEXT;
ALTER TABLE tasks ADD COLUMN not_before_ms INTEGER NOT NULL DEFAULT 0;
-- Failed runs with attempt > attempts_reset_at count toward max_attempts (requeue sets it to the
-- latest attempt: the task gets its full max_attempts again, its earlier runs stay).
ALTER TABLE tasks ADD COLUMN attempts_reset_at INTEGER NOT NULL DEFAULT 0;

DROP INDEX ix_tasks_claim;
CREATE INDEX ix_tasks_claim ON tasks (role, assignee, priority DESC, created_at_ms)
  WHERE role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL AND retry_wait = 0
    AND paused = 0 AND canceled_at_ms IS NULL;

-- retry_wait now means "a time gate lies ahead": the retry delay or not_before_ms, whichever ends
-- later. The wait index is ordered by that end, so the claim and the sweeper find the due ones
-- with one range seek however many tasks are scheduled for later.
DROP INDEX ix_tasks_retry_wait;
CREATE INDEX ix_tasks_retry_wait ON tasks (max(next_eligible_at_ms, not_before_ms)) WHERE retry_wait = 1;
