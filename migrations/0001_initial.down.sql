-- Reverts 0001_initial. Dependent tables go first.
BEGIN;

DROP TABLE signing_keys;
DROP TABLE sessions;
DROP TABLE refresh_tokens;
DROP TABLE consents;
DROP TABLE clients;
DROP TABLE users;

COMMIT;
