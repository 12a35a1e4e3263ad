-- 004: the claim index orders ties first in, first out; bulk creation keeps the stage counts itself; /ops/queue reads the claim's own indexes.
-- Equal-priority work is claimed first in, first out. The claim index ended in the random task id,
-- so tasks of one bulk request (one created_at_ms) were claimed in random order. Every index ends
-- in the table's rowid, which SQLite assigns in insertion order (one more than the largest), so
-- the index without the id orders ties by insertion and is smaller for every insert.
DROP INDEX ix_tasks_claim;
CREATE INDEX ix_tasks_claim ON tasks (role, assignee, priority DESC, created_at_ms)
  WHERE role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL AND retry_wait = 0;

-- Bulk creation counts a request's tasks into stage_counts with one upsert per stage
-- (Writes/TaskInserts); the per-row insert trigger was a sub-program and a write per task.
-- Every insert into tasks goes through TaskInserts, so it is the one place that keeps the count.
DROP TRIGGER tr_tasks_count_insert;

-- GET /ops/queue counts claimable tasks from the claim index and the due rows of the retry-wait
-- index (Reads/OpsReads): the same rows as this index held, which every task insert and most
-- task updates had to maintain.
DROP INDEX ix_tasks_ops_ready;
