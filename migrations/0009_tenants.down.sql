-- Reverts 0009_tenants. Restoring the global e-mail index fails while one
-- address is used in several tenants: merge or rename those accounts first.
-- That failure is deliberate: silently deleting accounts would be worse.
BEGIN;

DROP INDEX audit_log_tenant;
ALTER TABLE audit_log DROP COLUMN tenant_id;

DROP TABLE role_grants;

DROP INDEX clients_tenant_id;
ALTER TABLE clients DROP COLUMN tenant_id;

DROP INDEX users_tenant_id;
DROP INDEX users_deleted_email;
DROP INDEX users_email_key;
ALTER TABLE users DROP COLUMN tenant_id;
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email <> '';
CREATE INDEX users_deleted_email ON users (lower(deleted_email), deleted_at)
    WHERE deleted_at IS NOT NULL;

DROP TABLE tenants;

COMMIT;
