BEGIN;
-- The hourly sweep deletes refresh tokens past their expiry (sessions
-- already have an expires_at index).
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);
COMMIT;
