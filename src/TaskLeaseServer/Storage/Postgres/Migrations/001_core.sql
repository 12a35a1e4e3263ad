-- Core schema on PostgreSQL: the SQLite schema (Storage/Sqlite/Migrations 001-004) mapped type for
-- type (INTEGER -> bigint, flags -> boolean, BLOB -> bytea, JSON kept verbatim as text), with the
-- claim index split as docs/architecture.md explains. Ids, names, stages and keys are COLLATE "C"
-- so every "ordered by id/key" is byte order whatever the cluster's default collation.

CREATE TABLE pipelines (
  id              text COLLATE "C" PRIMARY KEY,
  name            text COLLATE "C" NOT NULL UNIQUE,
  definition_json text NOT NULL,
  created_at_ms   bigint NOT NULL
);
CREATE INDEX ix_pipelines_newest ON pipelines (created_at_ms DESC, id);

CREATE TABLE pipeline_stage_roles (
  pipeline_id text COLLATE "C" NOT NULL REFERENCES pipelines (id),
  stage       text COLLATE "C" NOT NULL,
  agent_role  text COLLATE "C",
  terminal    boolean NOT NULL,
  PRIMARY KEY (pipeline_id, stage)
);

-- Claims, releases and reaps rewrite a task row; fillfactor leaves room on the page so the updates
-- that touch no indexed column (title-free bookkeeping) can stay HOT, and autovacuum runs after a
-- fixed number of dead rows instead of 20 % of the table: the claim's index head must stay clean.
CREATE TABLE tasks (
  id                  text COLLATE "C" PRIMARY KEY,
  pipeline_id         text COLLATE "C" NOT NULL REFERENCES pipelines (id),
  stage               text COLLATE "C" NOT NULL,
  title               text NOT NULL,
  description         text NOT NULL,
  priority            bigint NOT NULL,
  metadata_json       text NOT NULL,
  task_version        bigint NOT NULL,
  next_eligible_at_ms bigint NOT NULL,
  max_attempts        bigint,
  retry_delay_ms      bigint NOT NULL,
  dead_letter_stage   text COLLATE "C",
  dead_letter_reason  text,
  created_at_ms       bigint NOT NULL,
  updated_at_ms       bigint NOT NULL,
  role          text COLLATE "C",
  terminal      boolean NOT NULL,
  blocked_deps  bigint NOT NULL DEFAULT 0,
  lease_id      text COLLATE "C",
  assignee      text COLLATE "C",
  retry_wait    boolean NOT NULL DEFAULT false,
  failed_runs   bigint NOT NULL DEFAULT 0,
  -- Insertion order: the FIFO tie-break after (priority DESC, created_at_ms), as SQLite's rowid.
  seq           bigint GENERATED ALWAYS AS IDENTITY
) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
        autovacuum_vacuum_cost_delay = 0, autovacuum_analyze_scale_factor = 0.02);

-- The claim indexes hold exactly the ready tasks. Two, not SQLite's one (role, assignee, …): a NULL
-- in a leading key column is no equality to PostgreSQL, so one index ordered by (role, assignee,
-- priority …) cannot serve "assignee IS NULL ORDER BY priority" and the planner seq-scans and
-- sorts (4 s at 1M ready tasks; 0.1 ms with the split, POSTGRES-RESEARCH §2).
CREATE INDEX ix_tasks_claim_free ON tasks (role, priority DESC, created_at_ms, seq)
  WHERE assignee IS NULL AND role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0
    AND lease_id IS NULL AND NOT retry_wait;
CREATE INDEX ix_tasks_claim_assigned ON tasks (role, assignee, priority DESC, created_at_ms, seq)
  WHERE assignee IS NOT NULL AND role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0
    AND lease_id IS NULL AND NOT retry_wait;
CREATE INDEX ix_tasks_retry_wait ON tasks (next_eligible_at_ms) WHERE retry_wait;
CREATE INDEX ix_tasks_leased_stage ON tasks (stage) WHERE lease_id IS NOT NULL;
CREATE INDEX ix_tasks_created ON tasks (created_at_ms, id);
CREATE INDEX ix_tasks_stage ON tasks (stage, created_at_ms, id);
CREATE INDEX ix_tasks_pipeline ON tasks (pipeline_id, stage, created_at_ms, id);
CREATE INDEX ix_tasks_ops_ready ON tasks (role, next_eligible_at_ms, created_at_ms)
  WHERE role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL;
CREATE INDEX ix_tasks_failed_runs ON tasks (role, failed_runs) WHERE role IS NOT NULL AND failed_runs > 0;

-- Per-stage counts for /health without a hot row: every stage change appends a delta row (no two
-- transactions ever update the same row, so no lock waits and no deadlock between opposite moves),
-- /health adds the deltas to the folded counts, and housekeeping folds them under an advisory lock.
CREATE TABLE stage_counts (
  stage text COLLATE "C" PRIMARY KEY,
  count bigint NOT NULL
);
CREATE TABLE stage_count_deltas (
  id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stage text COLLATE "C" NOT NULL,
  delta bigint NOT NULL
);

CREATE TABLE runs (
  id            text COLLATE "C" PRIMARY KEY,
  task_id       text COLLATE "C" NOT NULL REFERENCES tasks (id),
  attempt       bigint NOT NULL,
  status        text NOT NULL,
  agent_id      text,
  agent_role    text,
  started_at_ms bigint,
  ended_at_ms   bigint,
  usage_json    text NOT NULL DEFAULT '{}',
  error_text    text,
  token_hash    bytea,
  failure       boolean NOT NULL DEFAULT false,
  UNIQUE (task_id, attempt)
);
CREATE INDEX ix_runs_running ON runs (started_at_ms) WHERE status = 'running';

-- failed_runs on the task, as SQLite's triggers keep it (GET /ops/queue failed_count).
CREATE FUNCTION tls_runs_failed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.status = 'failed') IS DISTINCT FROM (TG_OP = 'UPDATE' AND OLD.status = 'failed') THEN
    UPDATE tasks SET failed_runs = failed_runs + (CASE WHEN NEW.status = 'failed' THEN 1 ELSE -1 END)
      WHERE id = NEW.task_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tr_runs_failed AFTER INSERT OR UPDATE OF status ON runs
  FOR EACH ROW EXECUTE FUNCTION tls_runs_failed();

-- UNIQUE (task_id): one live lease per task is a fact the database enforces, whatever a node believes.
CREATE TABLE leases (
  id                text COLLATE "C" PRIMARY KEY,
  run_id            text COLLATE "C" NOT NULL UNIQUE REFERENCES runs (id),
  task_id           text COLLATE "C" NOT NULL UNIQUE REFERENCES tasks (id),
  agent_id          text NOT NULL,
  token_hash        bytea NOT NULL,
  ttl_ms            bigint NOT NULL,
  expires_at_ms     bigint NOT NULL,
  last_heartbeat_ms bigint NOT NULL
) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
        autovacuum_vacuum_cost_delay = 0);
CREATE INDEX ix_leases_expiry ON leases (expires_at_ms);

CREATE TABLE events (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id    text COLLATE "C" NOT NULL REFERENCES runs (id),
  ts_ms     bigint NOT NULL,
  kind      text NOT NULL,
  data_json text NOT NULL
);
CREATE INDEX ix_events_run ON events (run_id, id);

CREATE TABLE task_dependencies (
  task_id            text COLLATE "C" NOT NULL REFERENCES tasks (id),
  depends_on_task_id text COLLATE "C" NOT NULL REFERENCES tasks (id),
  created_at_ms      bigint NOT NULL,
  seq                bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (task_id, depends_on_task_id)
);
CREATE INDEX ix_dependencies_upstream ON task_dependencies (depends_on_task_id);

CREATE TABLE task_assignments (
  task_id       text COLLATE "C" NOT NULL REFERENCES tasks (id),
  agent_id      text COLLATE "C" NOT NULL,
  assigned_by   text,
  active        boolean NOT NULL,
  created_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL,
  seq           bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (task_id, agent_id)
);

CREATE TABLE idempotency_keys (
  key             text COLLATE "C" NOT NULL,
  method          text COLLATE "C" NOT NULL,
  path            text COLLATE "C" NOT NULL,
  credential_hash bytea NOT NULL,
  request_hash    bytea NOT NULL,
  response_status bigint NOT NULL,
  response_body   bytea NOT NULL,
  created_at_ms   bigint NOT NULL,
  PRIMARY KEY (key, method, path, credential_hash)
);
CREATE INDEX ix_idempotency_age ON idempotency_keys (created_at_ms);
