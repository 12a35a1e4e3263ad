-- OTLP trace ingest (CONTRACT §8.3, §9.4): one batch row per request, one row per decoded span.
-- AUTOINCREMENT: batch ids are never reused (CONTRACT §6), and span ids, which are /spans cursors,
-- keep growing even after retention has emptied the table.

CREATE TABLE otlp_batches (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at_ms INTEGER NOT NULL,
  content_type   TEXT NOT NULL,
  payload_json   TEXT,            -- JSON mode: the body text
  payload_blob   BLOB,            -- otherwise: the body bytes (after gzip, if any)
  parsed_spans   INTEGER NOT NULL
);
-- Retention deletes the oldest batches first.
CREATE INDEX ix_otlp_batches_age ON otlp_batches (received_at_ms);

CREATE TABLE otlp_spans (
  id                       INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id                 INTEGER NOT NULL REFERENCES otlp_batches (id),
  trace_id                 TEXT NOT NULL,
  span_id                  TEXT NOT NULL,
  parent_span_id           TEXT,
  name                     TEXT NOT NULL,
  kind                     TEXT,
  start_time_unix_nano     INTEGER,
  end_time_unix_nano       INTEGER,
  status_code              TEXT,
  status_message           TEXT,
  attributes_json          TEXT NOT NULL,
  resource_attributes_json TEXT NOT NULL,
  scope_name               TEXT,
  scope_version            TEXT,
  run_id                   TEXT,
  task_id                  TEXT,
  raw_json                 TEXT
);
-- Retention deletes a batch's spans before the batch (and the foreign key check needs this too).
CREATE INDEX ix_otlp_spans_batch ON otlp_spans (batch_id);
-- GET /spans pages in id order under one filter; most spans are not linked to a run or task.
CREATE INDEX ix_otlp_spans_run ON otlp_spans (run_id, id) WHERE run_id IS NOT NULL;
CREATE INDEX ix_otlp_spans_task ON otlp_spans (task_id, id) WHERE task_id IS NOT NULL;
CREATE INDEX ix_otlp_spans_trace ON otlp_spans (trace_id, id);
