// Package postgres implements storage.Durable on PostgreSQL with pgx v5.
//
// Flow: at start-up the server calls Connect (a pgxpool with sane defaults,
// pinged once; an unreachable database is storage.ErrUnavailable), applies
// the schema with migrations.Up, and wraps the pool with New(pool, now). The
// schema lives in package migrations; this package only reads and writes it.
//
// Conventions:
//
//   - Every query names its columns (no SELECT *) and most methods are one
//     statement, hence one round trip; these run on the token endpoint.
//   - Expiry is decided by the injected clock: now() of the Store is passed
//     as a query parameter, never SQL now(), so tests can move time and all
//     nodes judge by the same rule as the memory backend.
//   - Errors wrap a storage sentinel and the pgx cause together: unique
//     violations are ErrAlreadyExists, missing rows ErrNotFound, and refused
//     or dropped connections, deadlines and server shutdowns ErrUnavailable.
//   - Every call has a deadline (DefaultTimeout, or WithTimeout's; see db in
//     deadline.go), set once under the query methods, so a frozen or
//     blackholed database ends a request with ErrUnavailable instead of
//     hanging it. Housekeeping deletes (SweepExpired, PruneAudit,
//     PruneOutbox) are bounded by their caller's context only, and work in
//     batches where a backlog can be large (expired sessions, each
//     announced; the outbox).
//   - The pool keeps ReserveFor(size) connections for calls whose context
//     carries storage.WithReserve (the protocol endpoints); every other call
//     first takes a slot of the rest in db, within the same deadline, so a
//     login surge queues there instead of in front of a token request (see
//     share.go). Connect sizes the pool with DefaultMaxConns unless the URL
//     sets pool_max_conns.
//   - Times come back in UTC; optional moments (RotatedAt, RevokedAt,
//     ActivatedAt, RetiredAt) are NULL while zero.
//
// Tenancy: every read of a user or client joins its tenant in the same
// query to fill TenantStatus (no extra round trip on the token endpoint);
// Directory and role-grant queries always carry "tenant_id = $n", and an
// empty tenant ID matches nothing. Lists page by keyset (id > after ORDER
// BY id LIMIT size+1). PutRoleGrant is one INSERT ... ON CONFLICT on the
// partial unique index of active grants.
//
// Concurrency: RotateRefreshToken marks the old token and inserts its
// successor in a single statement guarded by "rotated_at IS NULL AND
// revoked_at IS NULL", so concurrent rotations serialise on the row lock and
// exactly one wins; the losers get ErrAlreadyUsed. It also records the
// successor's hash in replaced_by, which ReuseRefreshToken (a client's retry
// within the reuse interval) needs to supersede that successor, again in one
// statement guarded by the successor being unused. RotateSigningKeys runs in
// one transaction whose statements keep the partial unique index (one active
// and one next key per algorithm) valid at every step; the same index makes
// CreateSigningKey of a second active or next key ErrAlreadyExists.
//
// Tests need a real server: package pgtest creates a private database per
// test run (ADMIT_TEST_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test).
package postgres
