-- Core schema: pipelines, tasks, runs, leases, events, dependencies, assignments, idempotency.
-- Column names follow the reference schema (CONTRACT §9.4) where one exists.

CREATE TABLE pipelines (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  definition_json TEXT NOT NULL,
  created_at_ms   INTEGER NOT NULL
);
CREATE INDEX ix_pipelines_newest ON pipelines (created_at_ms DESC, id);

-- The role index (CONTRACT §7.2), plus which stages are terminal.
CREATE TABLE pipeline_stage_roles (
  pipeline_id TEXT NOT NULL REFERENCES pipelines (id),
  stage       TEXT NOT NULL,
  agent_role  TEXT,
  terminal    INTEGER NOT NULL,
  PRIMARY KEY (pipeline_id, stage)
) WITHOUT ROWID;

CREATE TABLE tasks (
  id                  TEXT PRIMARY KEY,
  pipeline_id         TEXT NOT NULL REFERENCES pipelines (id),
  stage               TEXT NOT NULL,
  title               TEXT NOT NULL,
  description         TEXT NOT NULL,
  priority            INTEGER NOT NULL,
  metadata_json       TEXT NOT NULL,
  task_version        INTEGER NOT NULL,
  next_eligible_at_ms INTEGER NOT NULL,
  max_attempts        INTEGER,
  retry_delay_ms      INTEGER NOT NULL,
  dead_letter_stage   TEXT,
  dead_letter_reason  TEXT,
  created_at_ms       INTEGER NOT NULL,
  updated_at_ms       INTEGER NOT NULL,
  -- Claimability (CONTRACT W4), kept true by every transaction that changes its inputs:
  role          TEXT,                       -- agent_role of (pipeline, stage); NULL = nobody claims it
  terminal      INTEGER NOT NULL,           -- current stage is terminal (resolves dependents)
  blocked_deps  INTEGER NOT NULL DEFAULT 0, -- upstream tasks not yet in a terminal stage
  lease_id      TEXT,                       -- the live lease, if any
  assignee      TEXT,                       -- the active assignment's agent, if any
  retry_wait    INTEGER NOT NULL DEFAULT 0  -- 1 while next_eligible_at_ms lies ahead of a retry
);

-- The claim index: one seek finds the best ready task for a role (and assignee), however many
-- blocked, leased, delayed, dead-lettered or assigned-away tasks exist; they are simply not in it.
CREATE INDEX ix_tasks_claim ON tasks (role, assignee, priority DESC, created_at_ms, id)
  WHERE role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL AND retry_wait = 0;
-- Tasks waiting out a retry delay; the sweeper promotes them once due, claim also looks here.
CREATE INDEX ix_tasks_retry_wait ON tasks (next_eligible_at_ms) WHERE retry_wait = 1;
CREATE INDEX ix_tasks_leased_stage ON tasks (stage) WHERE lease_id IS NOT NULL;
CREATE INDEX ix_tasks_created ON tasks (created_at_ms, id);
CREATE INDEX ix_tasks_stage ON tasks (stage, created_at_ms, id);
CREATE INDEX ix_tasks_pipeline ON tasks (pipeline_id, stage, created_at_ms, id);

-- Per-stage task counts for /health, kept by triggers so health never scans the backlog.
CREATE TABLE stage_counts (
  stage TEXT PRIMARY KEY,
  count INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER tr_tasks_count_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO stage_counts (stage, count) VALUES (NEW.stage, 1)
    ON CONFLICT (stage) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER tr_tasks_count_move AFTER UPDATE OF stage ON tasks WHEN OLD.stage <> NEW.stage BEGIN
  UPDATE stage_counts SET count = count - 1 WHERE stage = OLD.stage;
  INSERT INTO stage_counts (stage, count) VALUES (NEW.stage, 1)
    ON CONFLICT (stage) DO UPDATE SET count = count + 1;
END;

CREATE TABLE runs (
  id            TEXT PRIMARY KEY,
  task_id       TEXT NOT NULL REFERENCES tasks (id),
  attempt       INTEGER NOT NULL,
  status        TEXT NOT NULL,
  agent_id      TEXT,
  agent_role    TEXT,
  started_at_ms INTEGER,
  ended_at_ms   INTEGER,
  usage_json    TEXT NOT NULL DEFAULT '{}',
  error_text    TEXT,
  token_hash    BLOB,   -- the lease token's hash, kept after the lease ends so the holder can read its events
  failure       INTEGER NOT NULL DEFAULT 0, -- counts toward max_attempts: failed, or abandoned (lease expired)
  UNIQUE (task_id, attempt)
);
CREATE INDEX ix_runs_running ON runs (started_at_ms) WHERE status = 'running';

CREATE TABLE leases (
  id                TEXT PRIMARY KEY,
  run_id            TEXT NOT NULL UNIQUE REFERENCES runs (id),
  task_id           TEXT NOT NULL REFERENCES tasks (id),
  agent_id          TEXT NOT NULL,
  token_hash        BLOB NOT NULL,
  ttl_ms            INTEGER NOT NULL,
  expires_at_ms     INTEGER NOT NULL,
  last_heartbeat_ms INTEGER NOT NULL
);
CREATE INDEX ix_leases_expiry ON leases (expires_at_ms);

CREATE TABLE events (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id   TEXT NOT NULL REFERENCES runs (id),
  ts_ms    INTEGER NOT NULL,
  kind     TEXT NOT NULL,
  data_json TEXT NOT NULL
);
CREATE INDEX ix_events_run ON events (run_id, id);

CREATE TABLE task_dependencies (
  task_id            TEXT NOT NULL REFERENCES tasks (id),
  depends_on_task_id TEXT NOT NULL REFERENCES tasks (id),
  created_at_ms      INTEGER NOT NULL,
  PRIMARY KEY (task_id, depends_on_task_id)
);
CREATE INDEX ix_dependencies_upstream ON task_dependencies (depends_on_task_id);

CREATE TABLE task_assignments (
  task_id       TEXT NOT NULL REFERENCES tasks (id),
  agent_id      TEXT NOT NULL,
  assigned_by   TEXT,
  active        INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (task_id, agent_id)
);

-- Idempotency records (CONTRACT §4), scoped by the caller's credential (W9).
CREATE TABLE idempotency_keys (
  key             TEXT NOT NULL,
  method          TEXT NOT NULL,
  path            TEXT NOT NULL,
  credential_hash BLOB NOT NULL,
  request_hash    BLOB NOT NULL,
  response_status INTEGER NOT NULL,
  response_body   BLOB NOT NULL,
  created_at_ms   INTEGER NOT NULL,
  PRIMARY KEY (key, method, path, credential_hash)
) WITHOUT ROWID;
CREATE INDEX ix_idempotency_age ON idempotency_keys (created_at_ms);
