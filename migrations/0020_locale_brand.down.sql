BEGIN;

ALTER TABLE clients DROP COLUMN logo_uri, DROP COLUMN policy_uri, DROP COLUMN tos_uri;
DROP TABLE brands;

COMMIT;
