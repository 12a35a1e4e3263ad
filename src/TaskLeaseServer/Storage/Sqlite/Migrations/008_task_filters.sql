-- 008: GET /tasks filters and sorts (EXTENSIONS §11). The list indexes serve each sort and the
-- role and assignee filters; q matches tasks_fts, an FTS5 index over title and description with
-- the store's tokenizer (the same word rules as GET /store/search), kept by triggers in the
-- writing transaction.
CREATE INDEX ix_tasks_list_priority ON tasks (priority DESC, created_at_ms, id);
CREATE INDEX ix_tasks_list_updated ON tasks (updated_at_ms, id);
CREATE INDEX ix_tasks_list_role ON tasks (role, created_at_ms, id);
CREATE INDEX ix_tasks_list_assignee ON tasks (assignee, created_at_ms, id) WHERE assignee IS NOT NULL;

CREATE VIRTUAL TABLE tasks_fts USING fts5 (
  title, description,
  content = 'tasks', content_rowid = 'rowid',
  tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild');
CREATE TRIGGER tr_tasks_fts_insert AFTER INSERT ON tasks BEGIN
  INSERT INTO tasks_fts (rowid, title, description) VALUES (NEW.rowid, NEW.title, NEW.description);
END;
CREATE TRIGGER tr_tasks_fts_delete AFTER DELETE ON tasks BEGIN
  INSERT INTO tasks_fts (tasks_fts, rowid, title, description) VALUES ('delete', OLD.rowid, OLD.title, OLD.description);
END;
CREATE TRIGGER tr_tasks_fts_update AFTER UPDATE OF title, description ON tasks BEGIN
  INSERT INTO tasks_fts (tasks_fts, rowid, title, description) VALUES ('delete', OLD.rowid, OLD.title, OLD.description);
  INSERT INTO tasks_fts (rowid, title, description) VALUES (NEW.rowid, NEW.title, NEW.description);
END;
