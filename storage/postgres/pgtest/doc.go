// Package pgtest gives tests a real, private PostgreSQL database.
//
// Flow: NewDatabase connects to the server named by ADMIT_TEST_DATABASE_URL
// (default postgres://postgres@127.0.0.1:5432/test), creates a database with
// a random name (admit_test_<hex>), applies every migration with
// migrations.Up and returns the new database's URL. t.Cleanup drops it WITH
// (FORCE), so concurrent test runs — several packages, several engineers, CI —
// never see each other's rows and leave nothing behind.
//
// A missing server fails the test (it is never skipped) with a message that
// says how to start one: `docker compose up -d postgres`. Silently skipped
// database tests would let broken SQL pass CI.
package pgtest
