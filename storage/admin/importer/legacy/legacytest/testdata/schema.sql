-- The old auth-service's schema, written as SQL from its knex migrations
-- (work/shared/seeds/001_*: src/db/migrations/001_create_users_table.ts,
-- src/migrations/003_add_tenant_to_users.ts) and, for the tables no
-- migration in the seeds creates, from the columns its services read and
-- write (oauth.service.ts, wallet.service.ts, biometric.service.ts,
-- device-trust service; 003_*: the per-service summary). users.role and
-- users.permissions are read by auth.service.ts and jwt.service.ts.

CREATE TABLE tenants (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       varchar(255) NOT NULL,
    slug       varchar(255) NOT NULL UNIQUE,
    status     varchar(255) DEFAULT 'active',
    settings   jsonb DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO tenants (id, name, slug) VALUES ('00000000-0000-0000-0000-000000000001', 'Default Tenant', 'default');

CREATE TABLE users (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email                      varchar(255) NOT NULL UNIQUE,
    password_hash              varchar(255),
    first_name                 varchar(100) NOT NULL,
    last_name                  varchar(100) NOT NULL,
    phone                      varchar(20),
    email_verified             boolean DEFAULT false,
    phone_verified             boolean DEFAULT false,
    kyc_status                 text CHECK (kyc_status IN ('pending', 'verified', 'rejected')) DEFAULT 'pending',
    kyc_level                  integer DEFAULT 0,
    mfa_enabled                boolean DEFAULT false,
    mfa_secret                 varchar(255),
    backup_codes               jsonb DEFAULT '[]',
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    last_login_at              timestamptz,
    last_login_ip              varchar(45),
    failed_login_attempts      integer DEFAULT 0,
    locked_until               timestamptz,
    password_reset_token       varchar(255),
    password_reset_expires     timestamptz,
    email_verification_token   varchar(255),
    email_verification_expires timestamptz,
    deleted_at                 timestamptz,
    deleted_by                 uuid,
    deletion_reason            varchar(255),
    version                    integer DEFAULT 0,
    role                       varchar(50) DEFAULT 'customer',
    permissions                jsonb,
    tenant_id                  uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000001'
);
CREATE INDEX users_tenant_id_index ON users (tenant_id);
CREATE INDEX users_tenant_id_email_index ON users (tenant_id, email);

CREATE TABLE user_venue_roles (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    venue_id   uuid NOT NULL,
    role       text NOT NULL CHECK (role IN ('venue-owner', 'venue-manager', 'box-office', 'door-staff')),
    granted_by uuid NOT NULL REFERENCES users (id),
    granted_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    is_active  boolean DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, venue_id, role)
);

CREATE TABLE oauth_connections (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id        uuid,
    provider         varchar(50) NOT NULL,
    provider_user_id varchar(255) NOT NULL,
    profile_data     jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz
);

CREATE TABLE wallet_connections (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id      uuid,
    wallet_address varchar(255) NOT NULL,
    network        varchar(20) NOT NULL,
    verified       boolean DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE biometric_credentials (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id       uuid,
    device_id       varchar(255) NOT NULL,
    public_key      text NOT NULL,
    credential_type varchar(20) NOT NULL,
    is_active       boolean DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE trusted_devices (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id          uuid,
    device_fingerprint varchar(255) NOT NULL,
    trust_score        integer DEFAULT 50,
    last_seen          timestamptz
);
