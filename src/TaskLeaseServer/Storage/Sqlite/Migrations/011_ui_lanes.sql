-- 011: the dashboard's Attention lanes and Agents page (Ui/Pages), each one index range instead of a
-- walk of the tasks or runs table. Partial indexes hold only the rows of their lane, so a task
-- outside every lane (the usual case) costs no index entry; the agents index costs one per run.
-- The dead-lettered lane reads ix_tasks_list_dead_lettered of migration 010.
CREATE INDEX ix_tasks_ui_retrying ON tasks (updated_at_ms, id)
  WHERE failed_runs > 0 AND role IS NOT NULL AND dead_letter_reason IS NULL;
CREATE INDEX ix_tasks_ui_blocked ON tasks (created_at_ms, id) WHERE blocked_deps > 0;
CREATE INDEX ix_tasks_ui_canceled ON tasks (canceled_at_ms, id) WHERE canceled_at_ms IS NOT NULL;
-- The lanes' links open GET /tasks?status=dead_lettered|blocked|canceled, whose created-order pages
-- read the partial indexes of migration 010 and ix_tasks_ui_blocked.
CREATE INDEX ix_runs_agent ON runs (agent_id, started_at_ms) WHERE agent_id IS NOT NULL;
