// Package storagetest is the conformance suite for storage backends. A
// backend's own tests call RunDurable and/or RunEphemeral with a factory:
//
//	func TestConformance(t *testing.T) {
//		storagetest.RunDurable(t, func(t *testing.T, c *storagetest.Clock) storage.Durable {
//			return memory.New(c.Now)
//		})
//	}
//
// Flow: RunDurable and RunEphemeral run one subtest group per aggregate
// (Users, Clients, ..., Revocations, Ping). Every subtest gets a new Clock
// and calls the factory for a fresh store wired to that clock; the factory
// isolates the store (a new schema, a key prefix, a new process-local value)
// and registers its cleanup with t.Cleanup. Subtests do not run in parallel,
// so factories need not be safe for concurrent use, but the stores they
// return must be: the rotation and code-redemption races run 8 goroutines
// against one store.
//
// Time never comes from the wall clock. Expiry is exercised by Clock.Advance,
// so a backend must decide expiry with its injected clock against the
// record's ExpiresAt (a native TTL, as Redis sets, must be longer and is only
// for reclaiming space). Clock starts at a whole second and moves in whole
// seconds, so every timestamp survives microsecond storage.
//
// Records are compared after normalisation: times are truncated to the
// microsecond and put in UTC, and nil and empty slices and maps are equal.
// Everything else, including slice order and the exact bytes of JWKS and
// sealed private keys, must round-trip unchanged. IDs are 32 and hashes 64
// random hex characters; backends must treat them as opaque strings.
//
// Sample records set every field (assertFilled enforces this), so adding a
// field to package storage fails the suite until a sample sets it, and with
// it every backend that forgets to store it.
package storagetest
