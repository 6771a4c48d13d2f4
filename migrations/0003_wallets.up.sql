-- Wallet sign-in (Sign-In with Ethereum / Solana).
--
-- Wallet-only accounts have no e-mail, so the e-mail uniqueness index now
-- covers only non-empty addresses: any number of users may have ''.
-- Lookups by e-mail must say "email <> ''" to use it (postgres/users.go).
BEGIN;

DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email <> '';

-- A wallet is a key, and a key controls the same address on every chain of
-- its namespace (an Ethereum EOA on every EVM chain, a Solana key on every
-- cluster): (namespace, address), with the address normalised (EIP-55,
-- canonical base58), is unique across all users. chain_ref only completes
-- the CAIP-10 id shown in tokens.
CREATE TABLE wallets (
    namespace  text        NOT NULL CHECK (namespace IN ('eip155', 'solana')),
    address    text        NOT NULL,
    chain_ref  text        NOT NULL,
    user_id    text        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (namespace, address)
);
CREATE INDEX wallets_user_id ON wallets (user_id, created_at);

COMMIT;
