BEGIN;
DROP INDEX wallets_eip155_lower;
COMMIT;
