package migrations_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/admit-idp/admit/migrations"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

// tables are the tables 0001_initial creates.
var tables = []string{"users", "clients", "consents", "refresh_tokens", "sessions", "signing_keys"}

func TestUpDownUp(t *testing.T) {
	ctx := testContext(t)
	url := pgtest.NewDatabase(t) // already migrated up
	latest := assertVersion(t, ctx, url)
	if latest == 0 {
		t.Fatal("Up applied no migration")
	}
	assertTables(t, ctx, url, true)

	if err := migrations.Down(ctx, url, 0); err != nil {
		t.Fatalf("Down all: %v", err)
	}
	if v := assertVersion(t, ctx, url); v != 0 {
		t.Fatalf("after Down all: version %d, want 0", v)
	}
	assertTables(t, ctx, url, false)

	if err := migrations.Up(ctx, url); err != nil {
		t.Fatalf("Up again: %v", err)
	}
	if v := assertVersion(t, ctx, url); v != latest {
		t.Fatalf("after Up again: version %d, want %d", v, latest)
	}
	assertTables(t, ctx, url, true)
}

func TestUpIsIdempotent(t *testing.T) {
	ctx := testContext(t)
	url := pgtest.NewDatabase(t)
	before := assertVersion(t, ctx, url)
	if err := migrations.Up(ctx, url); err != nil {
		t.Fatalf("second Up: %v", err)
	}
	if v := assertVersion(t, ctx, url); v != before {
		t.Fatalf("second Up moved version %d to %d", before, v)
	}
}

func TestDownSteps(t *testing.T) {
	ctx := testContext(t)
	url := pgtest.NewDatabase(t)
	latest := assertVersion(t, ctx, url)
	if err := migrations.Down(ctx, url, 1); err != nil {
		t.Fatalf("Down 1: %v", err)
	}
	if v, want := assertVersion(t, ctx, url), previousVersion(t, latest); v != want {
		t.Fatalf("after Down 1: version %d, want %d", v, want)
	}
}

// previousVersion is the number of the migration before version: numbers
// may have gaps (versions are reserved per change), so it is read from the
// files rather than computed as version-1.
func previousVersion(t *testing.T, version uint) uint {
	t.Helper()
	files, err := filepath.Glob("*.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	var prev uint
	for _, f := range files {
		n, err := strconv.ParseUint(strings.SplitN(f, "_", 2)[0], 10, 32)
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		if uint(n) < version {
			prev = max(prev, uint(n))
		}
	}
	return prev
}

// Several nodes starting at once must all succeed and migrate exactly once.
func TestConcurrentUp(t *testing.T) {
	ctx := testContext(t)
	url := pgtest.NewDatabase(t)
	if err := migrations.Down(ctx, url, 0); err != nil {
		t.Fatalf("Down all: %v", err)
	}
	const nodes = 5
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { errs[i] = migrations.Up(ctx, url) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Up: %v", err)
	}
	if v := assertVersion(t, ctx, url); v == 0 {
		t.Fatal("concurrent Up applied nothing")
	}
	assertTables(t, ctx, url, true)
}

func TestUnreachable(t *testing.T) {
	ctx := testContext(t)
	// Port 1 on loopback is closed, so the connection is refused at once.
	url := "postgres://postgres@127.0.0.1:1/test?connect_timeout=2"
	if err := migrations.Up(ctx, url); err == nil {
		t.Fatal("Up against a closed port succeeded")
	}
	if _, _, err := migrations.Version(ctx, url); err == nil {
		t.Fatal("Version against a closed port succeeded")
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// assertVersion returns the schema version, failing the test if it is dirty.
func assertVersion(t *testing.T, ctx context.Context, url string) uint {
	t.Helper()
	v, dirty, err := migrations.Version(ctx, url)
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	if dirty {
		t.Fatalf("version %d is dirty", v)
	}
	return v
}

// assertTables checks that every table of the schema exists (or none does).
func assertTables(t *testing.T, ctx context.Context, url string, want bool) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	for _, table := range tables {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil {
			t.Fatalf("look up table %s: %v", table, err)
		}
		if exists != want {
			t.Errorf("table %s exists = %v, want %v", table, exists, want)
		}
	}
}

func TestUpCancelled(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := migrations.Up(ctx, url); !errors.Is(err, context.Canceled) {
		t.Fatalf("Up with a cancelled context: got %v, want context.Canceled", err)
	}
}

// The server's pool takes its size from the database URL (pool_max_conns,
// README): the migrations, which run on the same URL, must not send it to
// Postgres as a setting, which it refuses.
func TestUpAcceptsPoolParameters(t *testing.T) {
	ctx := testContext(t)
	url := pgtest.NewDatabase(t) + "?pool_max_conns=3&pool_min_conns=1"
	if err := migrations.Up(ctx, url); err != nil {
		t.Fatalf("Up with pool parameters: %v", err)
	}
	if _, _, err := migrations.Version(ctx, url); err != nil {
		t.Fatalf("Version with pool parameters: %v", err)
	}
}
