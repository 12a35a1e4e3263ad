-- 009: what the operator actions of EXTENSIONS §7 and §14 need.

-- A revoked lease leaves the leases table in the operator's transaction (so every fenced write of
-- its holder finds nothing, exactly as for an ended lease) and leaves this tombstone, so the
-- holder's next call is told why: 410 lease_revoked instead of 404. Kept for the life of the data
-- (one small row per revocation); a deleted task's tombstones stay, so its holder still learns why.
CREATE TABLE revoked_leases (
  id            TEXT PRIMARY KEY,
  run_id        TEXT NOT NULL,
  task_id       TEXT NOT NULL,
  token_hash    BLOB NOT NULL,
  reason        TEXT NOT NULL,   -- canceled | requeued | paused | deleted
  actor         TEXT NOT NULL,
  revoked_at_ms INTEGER NOT NULL
);
CREATE INDEX ix_revoked_leases_run ON revoked_leases (run_id);

-- Events belong to a task, and to a run when they have one: an operator event on a task that
-- never ran has run_id NULL. Every event carries its task_id, so a task's whole event list (its
-- runs' events and its own, in id order) is one index range. SQLite cannot drop a NOT NULL, so the
-- table is rebuilt; ids are kept, and the AUTOINCREMENT high-water mark with them.
CREATE TABLE events_new (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id    TEXT REFERENCES runs (id),
  task_id   TEXT NOT NULL REFERENCES tasks (id),
  ts_ms     INTEGER NOT NULL,
  kind      TEXT NOT NULL,
  data_json TEXT NOT NULL
);
INSERT INTO events_new (id, run_id, task_id, ts_ms, kind, data_json)
  SELECT e.id, e.run_id, r.task_id, e.ts_ms, e.kind, e.data_json FROM events e JOIN runs r ON r.id = e.run_id ORDER BY e.id;
CREATE TEMP TABLE events_high_water AS SELECT seq FROM sqlite_sequence WHERE name = 'events';
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM events_high_water), 0)) WHERE name = 'events';
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'events', seq FROM events_high_water WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events');
DROP TABLE events_high_water;
CREATE INDEX ix_events_run ON events (run_id, id);
CREATE INDEX ix_events_task ON events (task_id, id);
