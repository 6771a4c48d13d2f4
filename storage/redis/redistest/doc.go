// Package redistest connects tests to a real Redis.
//
// NewClient reads the server from ADMIT_TEST_REDIS_URL (default
// redis://127.0.0.1:6379) and fails the test, naming the URL and how to start
// a server (docker compose up -d redis), when it cannot be reached: a missing
// Redis must never let the Redis tests pass by skipping.
//
// Each call returns a fresh random key prefix ("admit-test-<hex>:") so that
// concurrent test runs and parallel tests never see each other's keys, and
// registers a cleanup that deletes that prefix's keys with SCAN (never KEYS,
// which blocks the server) and closes the client.
//
// It deliberately does not import package redis, so that package's internal
// tests can use it without an import cycle.
package redistest
