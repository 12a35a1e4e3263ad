-- The failure kind a run ended with (EXTENSIONS §4), as SQLite's 007: the agent's "failure_kind"
-- on fail, or "lease_expired" when the sweeper reaped its lease; NULL for runs that did not fail.
ALTER TABLE runs ADD COLUMN failure_kind text;
