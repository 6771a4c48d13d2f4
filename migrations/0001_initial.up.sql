-- 0001_initial creates the durable aggregates of storage.Durable.
--
-- Conventions:
--   * IDs are text: the application chooses them (random hex, JWK kids).
--   * Times are timestamptz; optional moments (rotated, revoked, activated,
--     retired) are NULL until they happen.
--   * Lists are text[] and never NULL (an empty list is '{}'), so SQL readers
--     need no COALESCE.
--   * Durations are intervals (microsecond precision, like timestamptz).
--   * Secrets appear only as SHA-256 hashes or sealed blobs.
--   * No foreign keys between aggregates: the storage contract lets each
--     aggregate be written on its own (a session or refresh token names its
--     user and client by ID, the memory backend does not check them), users
--     are to be soft-deleted, and whether deleting a client revokes its
--     grants is the service layer's decision, not the schema's.
BEGIN;

CREATE TABLE users (
    id             text        PRIMARY KEY,
    email          text        NOT NULL,
    email_verified boolean     NOT NULL DEFAULT false,
    password_hash  text        NOT NULL DEFAULT '',
    given_name     text        NOT NULL DEFAULT '',
    family_name    text        NOT NULL DEFAULT '',
    locale         text        NOT NULL DEFAULT '',
    disabled       boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
-- The application stores e-mails normalised already; the index on lower()
-- keeps the uniqueness case-insensitive even for rows written by hand.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE clients (
    id                        text        PRIMARY KEY,
    name                      text        NOT NULL DEFAULT '',
    secret_hash               text        NOT NULL DEFAULT '',
    public                    boolean     NOT NULL DEFAULT false,
    auth_method               text        NOT NULL DEFAULT '',
    redirect_uris             text[]      NOT NULL DEFAULT '{}',
    post_logout_redirect_uris text[]      NOT NULL DEFAULT '{}',
    grant_types               text[]      NOT NULL DEFAULT '{}',
    scopes                    text[]      NOT NULL DEFAULT '{}',
    first_party               boolean     NOT NULL DEFAULT false,
    jwks                      bytea,
    access_token_lifetime     interval    NOT NULL DEFAULT '0',
    id_token_lifetime         interval    NOT NULL DEFAULT '0',
    refresh_token_lifetime    interval    NOT NULL DEFAULT '0',
    created_at                timestamptz NOT NULL
);

CREATE TABLE consents (
    user_id    text        NOT NULL,
    client_id  text        NOT NULL,
    scopes     text[]      NOT NULL DEFAULT '{}',
    granted_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

CREATE TABLE refresh_tokens (
    id         text        PRIMARY KEY,
    hash       text        NOT NULL UNIQUE,
    family_id  text        NOT NULL,
    client_id  text        NOT NULL,
    user_id    text        NOT NULL,
    scopes     text[]      NOT NULL DEFAULT '{}',
    amr        text[]      NOT NULL DEFAULT '{}',
    acr        text        NOT NULL DEFAULT '',
    auth_time  timestamptz NOT NULL,
    -- No foreign key: an offline grant outlives the browser session.
    session_id text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    revoked_at timestamptz
);
-- Replay of a rotated token revokes its whole family.
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
-- Logout and consent withdrawal revoke by user (and client).
CREATE INDEX refresh_tokens_user_client_idx ON refresh_tokens (user_id, client_id);

CREATE TABLE sessions (
    id           text        PRIMARY KEY,
    token_hash   text        NOT NULL UNIQUE,
    user_id      text        NOT NULL,
    auth_time    timestamptz NOT NULL,
    amr          text[]      NOT NULL DEFAULT '{}',
    acr          text        NOT NULL DEFAULT '',
    ip           text        NOT NULL DEFAULT '',
    user_agent   text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
-- Lets a periodic sweep delete expired sessions without a full scan.
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE signing_keys (
    id           text        PRIMARY KEY,
    algorithm    text        NOT NULL,
    state        text        NOT NULL CHECK (state IN ('next', 'active', 'retired')),
    private_key  bytea       NOT NULL,
    created_at   timestamptz NOT NULL,
    activated_at timestamptz,
    retired_at   timestamptz
);
-- At most one active and one next key per algorithm, enforced by the database
-- so that two nodes bootstrapping keys at once cannot both succeed.
CREATE UNIQUE INDEX signing_keys_algorithm_state_key ON signing_keys (algorithm, state)
    WHERE state IN ('active', 'next');

COMMIT;
