BEGIN;
DROP TABLE account_tokens;
DROP INDEX users_deleted_email;
ALTER TABLE users DROP COLUMN phone, DROP COLUMN deleted_at, DROP COLUMN deleted_email;
COMMIT;
