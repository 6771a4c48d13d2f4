package pgtest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// fatalTB records the first Fatalf and stops its goroutine like testing.T
// does, so a failing NewDatabase can itself be tested.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestUnreachableFailsClearly(t *testing.T) {
	t.Setenv(EnvURL, "postgres://postgres:hunter2@127.0.0.1:1/test?connect_timeout=2")
	tb := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		NewDatabase(tb)
	}()
	<-done
	for _, want := range []string{"docker compose up -d postgres", EnvURL, "127.0.0.1:1"} {
		if !strings.Contains(tb.msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, tb.msg)
		}
	}
	if strings.Contains(tb.msg, "hunter2") {
		t.Errorf("failure message leaks the password:\n%s", tb.msg)
	}
}

// The database exists, is migrated, and is gone after the cleanup.
func TestNewDatabaseLifecycle(t *testing.T) {
	var url string
	t.Run("use", func(t *testing.T) {
		url = NewDatabase(t)
		if n := countTables(t, url); n == 0 {
			t.Fatal("fresh database has no tables: migrations not applied")
		}
	})
	conn, err := pgx.Connect(t.Context(), url)
	if err == nil {
		_ = conn.Close(context.Background())
		t.Fatalf("database %s still accepts connections after cleanup", url)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name
		t.Fatalf("connect after cleanup: got %v, want database does not exist (3D000)", err)
	}
}

func countTables(t *testing.T, url string) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var n int
	err = conn.QueryRow(t.Context(),
		`SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&n)
	if err != nil {
		t.Fatalf("count tables: %v", err)
	}
	return n
}
