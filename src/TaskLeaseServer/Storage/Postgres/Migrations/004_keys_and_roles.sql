-- 004: scoped API keys (EXTENSIONS §13) and role controls (§9), as SQLite's 006.
CREATE TABLE api_keys (
  id              text COLLATE "C" PRIMARY KEY,
  name            text COLLATE "C" NOT NULL UNIQUE,
  scopes          text NOT NULL,
  key_hash        bytea NOT NULL UNIQUE,
  created_at_ms   bigint NOT NULL,
  expires_at_ms   bigint,
  last_used_at_ms bigint
);
CREATE INDEX ix_api_keys_created ON api_keys (created_at_ms, id);

CREATE TABLE role_controls (
  role            text COLLATE "C" PRIMARY KEY,
  paused          boolean NOT NULL,
  drain_requested boolean NOT NULL DEFAULT false,
  reason          text,
  actor           text NOT NULL,
  updated_at_ms   bigint NOT NULL
);

CREATE TABLE role_events (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ts_ms     bigint NOT NULL,
  kind      text NOT NULL,
  role      text COLLATE "C" NOT NULL,
  data_json text NOT NULL
);
