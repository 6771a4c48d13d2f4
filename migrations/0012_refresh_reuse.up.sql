BEGIN;
-- The hash of the token that replaced this one at rotation. A retry of a
-- just-rotated token (its response was lost) inside the reuse interval
-- supersedes that successor instead of revoking the family, and only while
-- the successor has not been used (RefreshTokens.ReuseRefreshToken). NULL
-- for tokens rotated before this migration: their reuse revokes, as before.
ALTER TABLE refresh_tokens ADD COLUMN replaced_by text;
COMMIT;
