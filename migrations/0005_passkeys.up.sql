-- Passkeys (WebAuthn credentials) and WebAuthn user handles.
BEGIN;

-- A credential id is unique across all users (primary key).
CREATE TABLE passkeys (
    id               bytea       PRIMARY KEY,
    user_id          text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    public_key       bytea       NOT NULL,
    sign_count       bigint      NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
    aaguid           bytea       NOT NULL,
    transports       text[]      NOT NULL DEFAULT '{}',
    backup_eligible  boolean     NOT NULL,
    backup_state     boolean     NOT NULL,
    user_verified    boolean     NOT NULL,
    attestation_type text        NOT NULL,
    name             text        NOT NULL,
    clone_warning    boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL,
    last_used_at     timestamptz
);
CREATE INDEX passkeys_user_id ON passkeys (user_id, created_at);

-- The WebAuthn user handle is random per user (never the e-mail): it is
-- stored on authenticators and returned by discoverable logins.
CREATE TABLE passkey_user_handles (
    user_id text  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    handle  bytea NOT NULL UNIQUE
);

COMMIT;
