BEGIN;
-- The durable record of the access-token deny-list (keys "at:<jti>" and
-- "grant:<id>") and of sign-in locks. Redis serves both as a cache and is
-- rebuilt from these tables after it loses its contents. Rows are kept until
-- "until" passes; the hourly sweep deletes them afterwards.
CREATE TABLE revocations (
	key   text PRIMARY KEY,
	until timestamptz NOT NULL
);
CREATE INDEX revocations_until_idx ON revocations (until);

CREATE TABLE signin_locks (
	key   text PRIMARY KEY,  -- opaque to the store: "acct:<hash>" or "ip:<prefix>"
	until timestamptz NOT NULL
);
CREATE INDEX signin_locks_until_idx ON signin_locks (until);
COMMIT;
