// Package storage defines Admit's persistence contract: one small interface per
// aggregate (users, clients, consents, refresh tokens, sessions, signing keys,
// authorization requests and codes, login flows, access-token revocations),
// the records they hold, and sentinel errors (ErrNotFound, ErrAlreadyExists,
// ErrAlreadyUsed, ErrUnavailable).
//
// The aggregates are grouped by lifetime:
//
//   - Durable (users, clients, consents, refresh tokens, sessions, keys) must
//     survive restarts: package postgres in production, package memory in
//     development.
//   - Ephemeral (authorization requests, codes, login flows, revocations) is
//     short-lived state where every record expires: package redis in
//     production, package memory in development.
//   - Revocations and sign-in locks are ephemeral in shape but must not be
//     forgotten before they end: in production package layered serves them
//     from Redis with Postgres as their durable record (RevocationRecords,
//     LockRecords), so a Redis restart loses neither.
//
// Expiry is decided by the backend's injected clock (Now func() time.Time)
// against the record's ExpiresAt, so tests can move time; backends with native
// TTLs (Redis) also set one, slightly longer, only to reclaim space.
//
// A context marked with WithReserve (the protocol endpoints) may use the
// connections a pooled backend keeps in reserve, so that a login surge does
// not starve it (reserve.go); backends without such a pool ignore the mark.
//
// Secrets are never stored in plaintext: codes, refresh tokens, session
// tokens and client secrets are stored as SHA-256 hashes, signing keys sealed
// by package keys. Package storagetest is the conformance suite every backend
// runs.
package storage
