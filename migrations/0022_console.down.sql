BEGIN;

DROP INDEX IF EXISTS sessions_active;
DROP INDEX IF EXISTS audit_log_tenant_actor;
DROP INDEX IF EXISTS audit_log_event_outcome;
DROP INDEX IF EXISTS audit_log_tenant_event;
DROP INDEX IF EXISTS users_name_trgm;
DROP INDEX IF EXISTS users_email_trgm;
-- pg_trgm stays: another schema object may use it.

COMMIT;
