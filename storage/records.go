package storage

import (
	"context"
	"time"
)

// Revocation is one durable deny-list entry: Key (an access-token ID
// "at:<jti>" or a grant ID "grant:<id>") is revoked until Until.
type Revocation struct {
	Key   string
	Until time.Time
}

// RevocationRecords is the durable record of the access-token deny-list
// (Revocations). The deny-list itself is served from a cache (Redis) on the
// userinfo/introspection hot path; this record is what the cache is rebuilt
// from when it loses its contents (a Redis restart or flush), so no
// revocation is ever forgotten before the tokens it covers expire.
type RevocationRecords interface {
	// RecordRevocation stores key until the given time. Recording a key
	// again extends the entry but never shortens it (shortening would
	// un-revoke tokens the first revocation covered).
	RecordRevocation(ctx context.Context, key string, until time.Time) error
	// ListRevocations returns every entry still in force at now (Until after
	// now), in no particular order. Entries live at most the longest
	// access-token lifetime, so the list is small.
	ListRevocations(ctx context.Context, now time.Time) ([]Revocation, error)
}

// Lock is one durable sign-in lock (FailureCounters): Key is locked until
// Until.
type Lock struct {
	Key   string
	Until time.Time
}

// LockRecords is the durable record of sign-in locks. Failure counts live
// only in the FailureCounters cache and may be lost with it; a lock, once
// set, is recorded here so that losing the cache does not lift it.
type LockRecords interface {
	// RecordLock stores key's lock until the given time (extends, never
	// shortens). Events attached to ctx (WithEvents, WithLockedEvent) are
	// written with it only if it set or extended the lock.
	RecordLock(ctx context.Context, key string, until time.Time) error
	// ListLocks returns every lock still in force at now, in no particular
	// order.
	ListLocks(ctx context.Context, now time.Time) ([]Lock, error)
	// DeleteLock lifts key's lock (an unlock); idempotent. Events attached
	// to ctx are written with it only if a lock in force was lifted.
	DeleteLock(ctx context.Context, key string) error
}
