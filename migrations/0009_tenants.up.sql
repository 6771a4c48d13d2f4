-- Tenants: isolated populations of users and clients, with role grants.
--
-- Every user and client belongs to a tenant; rows written before this
-- migration (and inserts that name none) belong to the default tenant
-- 00000000-0000-0000-0000-000000000001, which the old service also had.
-- E-mail uniqueness is now per tenant: the same address may sign up in
-- two tenants, and lookups by e-mail name the tenant.
--
-- Tenants are never deleted (they are suspended), so the foreign keys to
-- tenants have no ON DELETE action.
BEGIN;

CREATE TABLE tenants (
    id         text        PRIMARY KEY,
    slug       text        NOT NULL UNIQUE,
    name       text        NOT NULL,
    status     text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

INSERT INTO tenants (id, slug, name, status, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000001', 'default', 'Default Tenant', 'active', now(), now());

ALTER TABLE users ADD COLUMN tenant_id text NOT NULL
    DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES tenants (id);
-- Unique among the tenant's live users with an e-mail (see 0003, 0006).
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (tenant_id, lower(email)) WHERE email <> '';
DROP INDEX users_deleted_email;
CREATE INDEX users_deleted_email ON users (tenant_id, lower(deleted_email), deleted_at)
    WHERE deleted_at IS NOT NULL;
-- Tenant-scoped listings page by id; unique so that role grants can
-- reference (tenant_id, id).
CREATE UNIQUE INDEX users_tenant_id ON users (tenant_id, id);

ALTER TABLE clients ADD COLUMN tenant_id text NOT NULL
    DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES tenants (id);
CREATE INDEX clients_tenant_id ON clients (tenant_id, id);

-- A grant counts while active and before expires_at (NULL: never expires);
-- expiry needs no job, readers compare with their clock. Revoked grants
-- stay for the record. Global grants have resource_type = resource_id = ''.
-- The foreign key to users names the tenant too: a grant can only ever be
-- for a user of its own tenant, whatever the code above does. Users are
-- soft-deleted (the admin service revokes their grants); the cascade only
-- matters for rows removed by hand.
CREATE TABLE role_grants (
    id            text        PRIMARY KEY,
    tenant_id     text        NOT NULL REFERENCES tenants (id),
    user_id       text        NOT NULL,
    role          text        NOT NULL,
    resource_type text        NOT NULL DEFAULT '',
    resource_id   text        NOT NULL DEFAULT '',
    granted_by    text        NOT NULL,
    granted_at    timestamptz NOT NULL,
    expires_at    timestamptz,
    active        boolean     NOT NULL DEFAULT true,
    revoked_by    text        NOT NULL DEFAULT '',
    revoked_at    timestamptz,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
-- At most one active grant per (tenant, user, role, resource): the arbiter
-- of PutRoleGrant's ON CONFLICT upsert. Its (tenant_id, user_id) prefix
-- also serves the token endpoint's lookup of a user's active grants.
CREATE UNIQUE INDEX role_grants_active_key
    ON role_grants (tenant_id, user_id, role, resource_type, resource_id) WHERE active;
-- A user's grants including revoked ones (history, revocation by filter).
CREATE INDEX role_grants_user ON role_grants (tenant_id, user_id);
-- Who holds a role on a resource.
CREATE INDEX role_grants_resource ON role_grants (tenant_id, resource_type, resource_id);

-- Audit events name their tenant ('' for platform events such as key
-- rotation). Tenant listings page by (at, id).
ALTER TABLE audit_log ADD COLUMN tenant_id text NOT NULL DEFAULT '';
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, at, id);

COMMIT;
