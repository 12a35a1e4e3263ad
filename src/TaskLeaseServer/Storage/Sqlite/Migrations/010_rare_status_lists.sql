-- 010: GET /tasks?status= for the statuses an operator hunts for (EXTENSIONS §11). Canceled,
-- dead-lettered and paused tasks are few in a large table, so walking the created-order index and
-- checking each row read most of the table before a page filled (about 150 ms at 1,000,000 tasks).
-- Each partial index holds only its flagged rows: the page is a walk of those, in created order
-- either way, and the index costs a write only when the flag is set or cleared.
CREATE INDEX ix_tasks_list_canceled ON tasks (created_at_ms, id) WHERE canceled_at_ms IS NOT NULL;
CREATE INDEX ix_tasks_list_dead_lettered ON tasks (created_at_ms, id) WHERE dead_letter_reason IS NOT NULL;
CREATE INDEX ix_tasks_list_paused ON tasks (created_at_ms, id) WHERE paused = 1;
