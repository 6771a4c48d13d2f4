BEGIN;
DROP INDEX IF EXISTS audit_log_tenant_user;
DROP INDEX IF EXISTS devices_last_seen_idx;
CREATE INDEX devices_user ON devices (user_id, last_seen);
DROP INDEX IF EXISTS devices_user_seen_idx;
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
DROP INDEX IF EXISTS sessions_user_created_idx;
DROP INDEX IF EXISTS refresh_tokens_user_session_idx;
COMMIT;
