-- The key/value store with its full-text index, artifacts, and what GET /ops/queue counts from.

-- The store (CONTRACT §8.26-8.31). The reference keys it by PRIMARY KEY (namespace, key); here that
-- pair is UNIQUE and `id` is an INTEGER PRIMARY KEY, because the full-text index below refers to
-- entries by rowid and only an aliased rowid is guaranteed to survive VACUUM unchanged.
CREATE TABLE store (
  id            INTEGER PRIMARY KEY,
  namespace     TEXT NOT NULL,
  key           TEXT NOT NULL,
  value_json    TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  UNIQUE (namespace, key)
);

-- What the full-text index reads: namespace, key and the value's JSON text (so property names are
-- searchable too, as in the reference). A view, so the index's column names are the real ones and
-- 'rebuild' / 'integrity-check' work.
CREATE VIEW store_fts_source AS
  SELECT id AS rowid, namespace, key, value_json AS content FROM store;

CREATE VIRTUAL TABLE store_fts USING fts5 (
  namespace, key, content,
  content = 'store_fts_source', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER tr_store_fts_insert AFTER INSERT ON store BEGIN
  INSERT INTO store_fts (rowid, namespace, key, content) VALUES (NEW.id, NEW.namespace, NEW.key, NEW.value_json);
END;
CREATE TRIGGER tr_store_fts_delete AFTER DELETE ON store BEGIN
  INSERT INTO store_fts (store_fts, rowid, namespace, key, content)
    VALUES ('delete', OLD.id, OLD.namespace, OLD.key, OLD.value_json);
END;
CREATE TRIGGER tr_store_fts_update AFTER UPDATE ON store BEGIN
  INSERT INTO store_fts (store_fts, rowid, namespace, key, content)
    VALUES ('delete', OLD.id, OLD.namespace, OLD.key, OLD.value_json);
  INSERT INTO store_fts (rowid, namespace, key, content) VALUES (NEW.id, NEW.namespace, NEW.key, NEW.value_json);
END;

-- Artifacts (CONTRACT §8.23-8.24, §9.4). GET /artifacts pages by (created_at_ms, id), optionally
-- filtered by task and/or run: one index per filter keeps every page a seek.
CREATE TABLE artifacts (
  id            TEXT PRIMARY KEY,
  task_id       TEXT REFERENCES tasks (id),
  run_id        TEXT REFERENCES runs (id),
  created_at_ms INTEGER NOT NULL,
  kind          TEXT NOT NULL,
  uri           TEXT NOT NULL,
  sha256_hex    TEXT,
  size_bytes    INTEGER,
  meta_json     TEXT NOT NULL
);
CREATE INDEX ix_artifacts_page ON artifacts (created_at_ms, id);
CREATE INDEX ix_artifacts_task ON artifacts (task_id, created_at_ms, id) WHERE task_id IS NOT NULL;
CREATE INDEX ix_artifacts_run ON artifacts (run_id, created_at_ms, id) WHERE run_id IS NOT NULL;

-- GET /ops/queue (CONTRACT §8.25) without scanning the backlog or the run history.
-- Claimable tasks of a role: the claim predicate without the assignee (§8.25 ignores assignments)
-- and without retry_wait (a retry whose delay has passed counts before the sweeper clears the flag);
-- count and oldest age both come from this index.
CREATE INDEX ix_tasks_ops_ready ON tasks (role, next_eligible_at_ms, created_at_ms)
  WHERE role IS NOT NULL AND dead_letter_reason IS NULL AND blocked_deps = 0 AND lease_id IS NULL;

-- Failed runs per task, kept by triggers, so failed_count sums a few index entries per role instead
-- of walking every run of every task in the role's stages.
ALTER TABLE tasks ADD COLUMN failed_runs INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET failed_runs = (SELECT COUNT(*) FROM runs WHERE runs.task_id = tasks.id AND runs.status = 'failed');
CREATE INDEX ix_tasks_failed_runs ON tasks (role, failed_runs) WHERE role IS NOT NULL AND failed_runs > 0;
CREATE TRIGGER tr_runs_failed_insert AFTER INSERT ON runs WHEN NEW.status = 'failed' BEGIN
  UPDATE tasks SET failed_runs = failed_runs + 1 WHERE id = NEW.task_id;
END;
CREATE TRIGGER tr_runs_failed_update AFTER UPDATE OF status ON runs
  WHEN (NEW.status = 'failed') <> (OLD.status = 'failed') BEGIN
  UPDATE tasks SET failed_runs = failed_runs + (CASE WHEN NEW.status = 'failed' THEN 1 ELSE -1 END)
    WHERE id = NEW.task_id;
END;

-- Stuck runs and near-expiry leases need nothing new: ix_runs_running and ix_leases_expiry (001)
-- find them by time, and each reaches its task's role through the task's primary key.
