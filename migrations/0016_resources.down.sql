BEGIN;

ALTER TABLE clients
    DROP COLUMN allowed_resources,
    DROP COLUMN id_token_signed_response_alg,
    DROP COLUMN access_token_signed_response_alg;

DROP TABLE apis;

ALTER TABLE refresh_tokens DROP COLUMN resources;

COMMIT;
