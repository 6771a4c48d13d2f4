BEGIN;

DROP TABLE passkey_user_handles;
DROP TABLE passkeys;

COMMIT;
