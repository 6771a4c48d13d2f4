-- 0022_console: the indexes of the operator console's searches and
-- dashboard (login/console through storage/admin).
--
-- The user search matches a substring of the e-mail or of "given family"
-- (case-insensitive): LIKE '%q%' on the lower-cased expression, which a
-- B-tree cannot serve. pg_trgm's GIN trigram indexes can (for a query of
-- three characters or more). pg_trgm is a trusted extension (PostgreSQL
-- 13+): the database owner may create it without superuser rights.
-- Searches by ID, wallet and linked account are exact lookups on existing
-- keys (users primary key, wallets (namespace, address) and
-- wallets_eip155_lower, identities (provider_id, subject)).
BEGIN;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX users_email_trgm ON users USING gin (lower(email) gin_trgm_ops);
CREATE INDEX users_name_trgm ON users USING gin (lower(given_name || ' ' || family_name) gin_trgm_ops);

-- The audit page filters a tenant's events by event or actor, and the
-- dashboard counts sign-ins of the last 24 hours per outcome (of a tenant,
-- or of every tenant): the outcome is included so the counts are
-- index-only scans.
CREATE INDEX audit_log_tenant_event ON audit_log (tenant_id, event, at, id) INCLUDE (outcome);
CREATE INDEX audit_log_event_outcome ON audit_log (event, at) INCLUDE (outcome);
CREATE INDEX audit_log_tenant_actor ON audit_log (tenant_id, actor_id, at, id);

-- The dashboard counts active sessions (of a tenant: joined to its users)
-- from the index alone.
CREATE INDEX sessions_active ON sessions (expires_at) INCLUDE (user_id);

COMMIT;
