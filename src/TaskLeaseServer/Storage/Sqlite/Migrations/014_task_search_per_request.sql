-- 014: tasks enter tasks_fts in one statement per request (Writes/TaskInserts), not by a trigger per
-- row. A trigger that writes the FTS5 table made each row's INSERT a statement transaction, at which
-- FTS5 flushes its pending terms into a new one-row segment and SQLite keeps a statement journal:
-- the largest cost of a bulk create in the profile. Deletes and title/description edits keep their
-- triggers (rare, one row each).
DROP TRIGGER tr_tasks_fts_insert;
