// Package layered composes the durable record (Postgres) and the cache
// (Redis) of the two pieces of security state that must not be forgotten
// when Redis is: the access-token deny-list (storage.Revocations, keys
// "at:<jti>" and "grant:<id>") and sign-in locks (the lock of
// storage.FailureCounters). Everything else in storage.Ephemeral passes
// straight to the cache: authorization requests, codes, login flows,
// challenges, rate limits and failure counts are short-lived and may be lost
// (a user whose sign-in is lost starts it again).
//
// # Revocations: Postgres is the record, Redis a cache
//
// Revoke writes through: the record first (storage.RevocationRecords), then
// the cache. Only a revocation the record holds is reported as done.
//
// IsRevoked, on the userinfo/introspection hot path, stays one Redis round
// trip: a single MGET reads the revocation keys together with a marker key
// that says "this cache holds every revocation of the record". A Redis that
// restarted or was flushed has no marker. Then the store lists the
// unexpired revocations from the record (entries live at most the longest
// access-token lifetime, 24 h, so the set is small), writes them and the
// marker into Redis in one Lua script, and answers from the list. Because
// the entries and the marker are written by one script, a Redis that
// restarts during the refill loses both, never just the entries. Several
// nodes noticing at once each refill (one refill per process at a time,
// singleflight); the merge only ever extends an entry, so concurrent refills
// and concurrent revocations agree.
//
// The marker expires after RefillEvery (default one minute), so every node
// also refills periodically. That bounds the one gap left: a revocation
// recorded in Postgres whose write to Redis failed while Redis kept its
// marker (a network fault between one node and Redis). The failing node
// refills before its next check; the others at the latest when the marker
// expires. Redis must not evict keys (maxmemory-policy noeviction), or an
// evicted entry stays missing until the marker expires. On Redis Cluster the
// marker and the entries must share a slot (a hash-tag prefix such as
// "{admit}:"), so that a shard losing the entries also loses the marker.
//
// # Stamps
//
// The change stamps of storage.Stamps (which op checks before using a user
// or client it cached) live in the cache only: CheckRevokedStamped reads
// them in the deny-list's MGET. A Redis that loses them hands out a new
// epoch, so every stamp differs and every node reads its rows again.
// Stamped wraps the durable store and restamps every write of a user, a
// tenant or a client after the record took it; a restamp that fails is
// logged, and nodes may then serve the old row for at most a minute (op's
// entry lifetime), the same bound as a revocation whose cache write failed.
//
// # Locks
//
// Failure counts stay in Redis only: after a restart they start again from
// zero (at worst an attacker gets one more window of Max attempts). A lock,
// set by the Max-th failure, is recorded in Postgres (storage.LockRecords)
// and restored the same way, with its own marker read in the same round
// trip as the failure hash. An unlock (admin, unlock link, a successful
// ClearFailures with unlock) deletes the record first, then the cache
// entry. The record's writes carry the lock's events: user.locked
// (storage.WithLockedEvent, for the owner the caller named with
// storage.WithLockOwner) with RecordLock, and the caller's user.unlocked
// with DeleteLock, each written only if the record changed.
package layered
