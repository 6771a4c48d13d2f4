// Package memory is an in-process implementation of both storage.Durable and
// storage.Ephemeral: the embedded development default (go run ./cmd/admit
// needs no database or Redis) and a fast backend for other packages' tests.
// Nothing survives a restart.
//
// Flow: a Store is a set of maps (one per aggregate, plus indexes for the
// unique e-mail and session-token lookups) behind a single mutex. Every
// method takes the lock for its whole duration, so the operations the
// contract requires to be atomic (RotateRefreshToken, ConsumeAuthCode,
// RotateSigningKeys) are check-and-write under one lock, and concurrent
// racers see exactly one winner.
//
// Records are copied in and out (slices, maps, byte slices), so callers can
// neither change stored state through a slice they passed in nor through
// one they got back, just as with a real database.
//
// Expiry is decided with the injected clock (New(now)) against each record's
// ExpiresAt (KeepUntil for used authorization codes): expired records read as
// ErrNotFound and are dropped when read, and writes sweep every expiring map
// at most once a minute to reclaim records nobody reads again. Refresh tokens
// are never swept, because the contract returns them in any state.
//
// Package storagetest's conformance suite runs against Store in
// memory_test.go.
package memory
