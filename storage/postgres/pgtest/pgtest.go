package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/migrations"
)

// EnvURL names the environment variable that points the tests at a
// PostgreSQL server; DefaultURL is used when it is unset.
const (
	EnvURL     = "ADMIT_TEST_DATABASE_URL"
	DefaultURL = "postgres://postgres@127.0.0.1:5432/test"
)

// setupTimeout bounds every administrative step, so an unreachable or hung
// server fails the test quickly instead of at the test binary's deadline.
const setupTimeout = 30 * time.Second

// NewDatabase creates a fresh database (random name admit_test_<hex>) on the
// server of ADMIT_TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test), applies migrations.Up, registers
// t.Cleanup to drop it (WITH (FORCE)), and returns its URL. It fails the test
// with a clear message if Postgres is unreachable.
func NewDatabase(t testing.TB) string {
	t.Helper()
	dbURL := NewEmptyDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := migrations.Up(ctx, dbURL); err != nil {
		t.Fatalf("pgtest: migrate %s: %v", redact(dbURL), err)
	}
	return dbURL
}

// NewEmptyDatabase is NewDatabase without the migrations: a blank database
// for a foreign schema (the import tests build the old service's).
func NewEmptyDatabase(t testing.TB) string {
	t.Helper()
	base := serverURL()
	name := "admit_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := admin(ctx, base, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: cannot create a test database on %s: %v\n"+
			"The database tests need a running PostgreSQL: start one with `docker compose up -d postgres`, "+
			"or set %s to a server where this user may CREATE DATABASE.",
			redact(base), err, EnvURL)
	}
	t.Cleanup(func() { dropDatabase(t, base, name) })
	dbURL, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dbURL
}

// serverURL is the URL of the server to create test databases on.
func serverURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// dropDatabase removes a test database even if a pool the test forgot to
// close still holds connections to it (FORCE terminates them).
func dropDatabase(t testing.TB, base, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	stmt := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"
	if err := admin(ctx, base, stmt); err != nil {
		t.Errorf("pgtest: drop test database %s: %v", name, err)
	}
}

// admin runs one statement on its own connection to the server's maintenance
// database (the one in the URL): CREATE and DROP DATABASE cannot run inside a
// transaction or against the database they name.
func admin(ctx context.Context, base, stmt string) error {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// withDatabase returns base with its database name replaced, keeping the
// credentials and query parameters (sslmode and the like).
func withDatabase(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", EnvURL, err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return "", fmt.Errorf("%s must be a postgres:// URL, got scheme %q", EnvURL, u.Scheme)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// redact hides a password so that failure messages are safe to paste.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return hex.EncodeToString(b)
}
