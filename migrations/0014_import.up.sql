-- 0014_import: what the import from the old auth-service needs.
--
-- Ethereum addresses are hex, so the letter case carries no identity
-- (EIP-55 only puts a checksum in it): the old service stored addresses in
-- whatever case wallets sent them. A wallet is found, and is unique, by the
-- lower-cased address; the stored address keeps its EIP-55 spelling for
-- display. Solana's base58 is case-sensitive and keeps the primary key.
BEGIN;

CREATE UNIQUE INDEX wallets_eip155_lower ON wallets (lower(address)) WHERE namespace = 'eip155';

COMMIT;
