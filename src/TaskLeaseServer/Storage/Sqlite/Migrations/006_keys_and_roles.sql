-- 006: scoped API keys (EXTENSIONS §13) and role controls (§9).
-- A key is stored as SHA-256 of the whole key (Domain/ApiKey says why that is enough); the
-- unique index is the per-request lookup. scopes is the comma list the key was created with.
CREATE TABLE api_keys (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  scopes          TEXT NOT NULL,
  key_hash        BLOB NOT NULL UNIQUE,
  created_at_ms   INTEGER NOT NULL,
  expires_at_ms   INTEGER,
  last_used_at_ms INTEGER
);
CREATE INDEX ix_api_keys_created ON api_keys (created_at_ms, id);

-- A role's pause state, stored so it survives restarts and every node's claim reads it. A role
-- without a row is running. drain_requested marks a pause made by a drain (GET /ops/roles shows
-- "draining" while such a role still has live leases).
CREATE TABLE role_controls (
  role            TEXT PRIMARY KEY,
  paused          INTEGER NOT NULL,
  drain_requested INTEGER NOT NULL DEFAULT 0,
  reason          TEXT,
  actor           TEXT NOT NULL,
  updated_at_ms   INTEGER NOT NULL
) WITHOUT ROWID;

-- role_paused / role_resumed: server events that belong to no task (GET /ops/events).
CREATE TABLE role_events (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  ts_ms     INTEGER NOT NULL,
  kind      TEXT NOT NULL,
  role      TEXT NOT NULL,
  data_json TEXT NOT NULL
);
