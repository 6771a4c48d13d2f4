-- Reverts 0010_durable_revocations: revocations and locks then live in Redis
-- only, as before (a Redis restart forgets them).
BEGIN;
DROP TABLE signin_locks;
DROP TABLE revocations;
COMMIT;
