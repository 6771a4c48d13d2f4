package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/postgres"
	"github.com/admit-idp/admit/storage/postgres/pgtest"
)

// A database that stops answering (frozen, blackholed) must end every kind
// of call with ErrUnavailable within the Store's timeout, although the
// caller's context has no deadline: single-row reads, lists, writes and
// transactions alike.
func TestStalledDatabaseEndsCallsAtTheDeadline(t *testing.T) {
	const timeout = 300 * time.Millisecond
	proxy, url := pgtest.NewProxy(t, pgtest.NewDatabase(t))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := postgres.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect through the proxy: %v", err)
	}
	t.Cleanup(pool.Close)
	s := postgres.New(pool, nil).WithTimeout(timeout)
	calls := map[string]func(context.Context) error{
		"Ping":        s.Ping,
		"GetUser":     func(ctx context.Context) error { _, err := s.GetUser(ctx, "u1"); return err },
		"ListClients": func(ctx context.Context) error { _, err := s.ListClients(ctx); return err },
		"RevokeRefreshFamily": func(ctx context.Context) error {
			return s.RevokeRefreshFamily(ctx, "fam", time.Now())
		},
		"RotateSigningKeys (transaction)": func(ctx context.Context) error {
			return s.RotateSigningKeys(ctx, storage.SigningKey{ID: "k", Algorithm: "RS256", CreatedAt: time.Now()}, time.Now())
		},
	}
	proxy.Stall()
	defer proxy.Resume()
	for name, call := range calls {
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- call(context.Background()) }() // no deadline of the caller's own
		select {
		case err := <-done:
			if took := time.Since(start); took > timeout+time.Second {
				t.Errorf("%s during a stall took %v, want about the %v timeout", name, took, timeout)
			}
			if !errors.Is(err, storage.ErrUnavailable) {
				t.Errorf("%s during a stall: got %v, want ErrUnavailable", name, err)
			}
		case <-time.After(timeout + 3*time.Second):
			t.Fatalf("%s during a stall still hangs after %v", name, time.Since(start))
		}
	}
}
