-- Reverts 0002_mfa.
BEGIN;

DROP TABLE totp_credentials;
ALTER TABLE sessions DROP COLUMN mfa_at;
ALTER TABLE clients DROP COLUMN require_mfa;

COMMIT;
