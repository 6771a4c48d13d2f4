-- Self-service accounts: phone numbers, soft deletion and one-time tokens.
--
-- Soft deletion moves the address from email to deleted_email and sets
-- email = '': the partial unique index of 0003 (lower(email) WHERE
-- email <> '') then already means "unique among live users", and every
-- existing lookup by e-mail skips deleted users without a change. Whether
-- a deleted user's address may be reused yet is decided by the service
-- (a configurable hold period) through users_deleted_email.
BEGIN;

ALTER TABLE users
    ADD COLUMN phone         text NOT NULL DEFAULT '',
    ADD COLUMN deleted_at    timestamptz,
    ADD COLUMN deleted_email text NOT NULL DEFAULT '';
CREATE INDEX users_deleted_email ON users (lower(deleted_email), deleted_at)
    WHERE deleted_at IS NOT NULL;

-- One-time links: only the SHA-256 of the mailed value is stored.
CREATE TABLE account_tokens (
    hash       text        PRIMARY KEY,
    purpose    text        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
    user_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      text        NOT NULL DEFAULT '',
    flow_id    text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose, created_at);

COMMIT;
