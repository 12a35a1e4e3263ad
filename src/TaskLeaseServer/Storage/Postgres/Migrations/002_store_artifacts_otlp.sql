-- The key/value store with its full-text index, artifacts, and OTLP ingest.

-- search: the entry's namespace, key and value text as a tsvector, written by the engine from its
-- own tokenizer (Postgres/SearchText: FTS5 unicode61 rules), never by PostgreSQL's parser, so both
-- engines split and fold text the same way whatever the cluster's locale.
CREATE TABLE store (
  namespace     text COLLATE "C" NOT NULL,
  key           text COLLATE "C" NOT NULL,
  value_json    text NOT NULL,
  created_at_ms bigint NOT NULL,
  updated_at_ms bigint NOT NULL,
  search        tsvector NOT NULL,
  PRIMARY KEY (namespace, key)
);
CREATE INDEX ix_store_search ON store USING gin (search);

CREATE TABLE artifacts (
  id            text COLLATE "C" PRIMARY KEY,
  task_id       text COLLATE "C" REFERENCES tasks (id),
  run_id        text COLLATE "C" REFERENCES runs (id),
  created_at_ms bigint NOT NULL,
  kind          text NOT NULL,
  uri           text NOT NULL,
  sha256_hex    text,
  size_bytes    bigint,
  meta_json     text NOT NULL
);
CREATE INDEX ix_artifacts_page ON artifacts (created_at_ms, id);
CREATE INDEX ix_artifacts_task ON artifacts (task_id, created_at_ms, id) WHERE task_id IS NOT NULL;
CREATE INDEX ix_artifacts_run ON artifacts (run_id, created_at_ms, id) WHERE run_id IS NOT NULL;

CREATE TABLE otlp_batches (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at_ms bigint NOT NULL,
  content_type   text NOT NULL,
  payload_json   text,
  payload_blob   bytea,
  parsed_spans   bigint NOT NULL
);
CREATE INDEX ix_otlp_batches_age ON otlp_batches (received_at_ms);

CREATE TABLE otlp_spans (
  id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id                 bigint NOT NULL REFERENCES otlp_batches (id),
  trace_id                 text COLLATE "C" NOT NULL,
  span_id                  text NOT NULL,
  parent_span_id           text,
  name                     text NOT NULL,
  kind                     text,
  start_time_unix_nano     bigint,
  end_time_unix_nano       bigint,
  status_code              text,
  status_message           text,
  attributes_json          text NOT NULL,
  resource_attributes_json text NOT NULL,
  scope_name               text,
  scope_version            text,
  run_id                   text COLLATE "C",
  task_id                  text COLLATE "C",
  raw_json                 text
);
CREATE INDEX ix_otlp_spans_batch ON otlp_spans (batch_id);
CREATE INDEX ix_otlp_spans_run ON otlp_spans (run_id, id) WHERE run_id IS NOT NULL;
CREATE INDEX ix_otlp_spans_task ON otlp_spans (task_id, id) WHERE task_id IS NOT NULL;
CREATE INDEX ix_otlp_spans_trace ON otlp_spans (trace_id, id);
