package app_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/jackc/pgx/v5"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
)

// A surge of work outside the protocol endpoints that takes every Postgres
// connection it may must not starve a refresh (issue 20): the token
// endpoint uses the connections kept in reserve. Here the pool has two
// connections, one of them reserved; two account changes of the demo user
// wait on its row, locked by another session, holding or waiting for the
// other. Without the reserve they hold both, and the refresh, which writes
// its rotation to Postgres, waits for a connection until their deadline
// frees one.
func TestRefreshFindsAConnectionWhileOtherWorkHoldsThePool(t *testing.T) {
	const deadline = 10 * time.Second
	var dbURL string // without the pool's parameter, for the test's own session
	e := newEnvWith(t, postgresBackend, envOptions{configure: func(c *app.Config) {
		dbURL = c.DatabaseURL
		u, err := url.Parse(c.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("pool_max_conns", "2")
		u.RawQuery = q.Encode()
		c.DatabaseURL = u.String()
		c.Resilience.BackendTimeout = deadline
	}})
	r := e.rp("demo-app", "demo-secret", oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	tok := e.codeSignIn(r)
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	u := e.demoUser()

	ctx := context.Background()
	lock, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close(ctx)
	tx, err := lock.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT 1 FROM users WHERE id = $1 FOR UPDATE", u.ID); err != nil {
		t.Fatal(err)
	}
	released := false
	unlock := func() {
		if !released {
			released = true
			_ = tx.Rollback(ctx)
		}
	}
	defer unlock()
	done := make(chan error, 2)
	for range 2 {
		go func() { done <- e.app.Stores.Durable.SetUserDisabled(ctx, u.TenantID, u.ID, false, e.clock.Now()) }()
	}
	pool := e.app.Stores.Pool
	for wait := time.Now().Add(deadline); pool.Stat().AcquiredConns() < 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(wait) {
			t.Fatal("the account changes never took a connection")
		}
	}
	time.Sleep(200 * time.Millisecond) // let the second one line up

	start := time.Now()
	refreshed, err := r.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh while other work holds its share of the pool (after %v): %v", time.Since(start), err)
	}
	if refreshed.AccessToken == "" {
		t.Fatal("refresh gave no access token")
	}
	if n := len(done); n > 0 {
		t.Fatalf("the refresh got a connection only after %d of the account changes gave theirs up at the deadline (%v)", n, time.Since(start))
	}
	unlock()
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("account change after the lock was released: %v", err)
		}
	}
}
