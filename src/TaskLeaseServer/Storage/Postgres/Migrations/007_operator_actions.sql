-- 007: what the operator actions of EXTENSIONS §7 and §14 need (SQLite 009).

-- A revoked lease leaves the leases table in the operator's transaction and leaves this tombstone,
-- so the holder's next call is told why: 410 lease_revoked instead of 404.
CREATE TABLE revoked_leases (
  id            text COLLATE "C" PRIMARY KEY,
  run_id        text COLLATE "C" NOT NULL,
  task_id       text COLLATE "C" NOT NULL,
  token_hash    bytea NOT NULL,
  reason        text NOT NULL,
  actor         text NOT NULL,
  revoked_at_ms bigint NOT NULL
);
CREATE INDEX ix_revoked_leases_run ON revoked_leases (run_id);

-- Events belong to a task, and to a run when they have one (run_id NULL: an operator event on a
-- task that never ran). A task's whole event list is one index range on (task_id, id).
ALTER TABLE events ALTER COLUMN run_id DROP NOT NULL;
ALTER TABLE events ADD COLUMN task_id text COLLATE "C";
UPDATE events e SET task_id = r.task_id FROM runs r WHERE r.id = e.run_id;
ALTER TABLE events ALTER COLUMN task_id SET NOT NULL;
ALTER TABLE events ADD CONSTRAINT events_task_id_fkey FOREIGN KEY (task_id) REFERENCES tasks (id);
CREATE INDEX ix_events_task ON events (task_id, id);
