BEGIN;
DROP INDEX IF EXISTS refresh_tokens_expires_at_idx;
COMMIT;
