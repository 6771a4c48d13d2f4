-- 0002_mfa adds the second factor: TOTP credentials with their backup
-- codes, the client setting that requires MFA, and the moment a browser
-- session last proved a second factor (the five-minute step-up window).
BEGIN;

ALTER TABLE clients ADD COLUMN require_mfa boolean NOT NULL DEFAULT false;

-- NULL until the session has proved a second factor.
ALTER TABLE sessions ADD COLUMN mfa_at timestamptz;

-- One row per user with TOTP. secret is sealed with the master key (AES-256-
-- GCM, bound to the user id); backup_codes holds SHA-256 hashes of the
-- unused codes, so consuming one is a single atomic array_remove.
CREATE TABLE totp_credentials (
    user_id      text        PRIMARY KEY,
    secret       bytea       NOT NULL,
    backup_codes text[]      NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

COMMIT;
