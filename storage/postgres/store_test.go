package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/postgres"
)

// closedPortURL points at a loopback port nothing listens on, so connecting
// is refused at once.
const closedPortURL = "postgres://postgres@127.0.0.1:1/test?connect_timeout=2"

func TestConnectUnreachable(t *testing.T) {
	pool, err := postgres.Connect(t.Context(), closedPortURL)
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("Connect to a closed port: got %v (pool %v), want ErrUnavailable", err, pool)
	}
}

func TestConnectBadURL(t *testing.T) {
	_, err := postgres.Connect(t.Context(), "postgres://%zz")
	if err == nil || errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("Connect with a malformed URL: got %v, want a non-retryable error", err)
	}
}

// A database that goes away after start-up must surface as ErrUnavailable
// from every kind of call, so the HTTP layer answers 503.
func TestStoreUnreachable(t *testing.T) {
	pool, err := pgxpool.New(t.Context(), closedPortURL) // lazy: does not connect yet
	if err != nil {
		t.Fatalf("pgxpool.New: %v", err)
	}
	t.Cleanup(pool.Close)
	s := postgres.New(pool, nil)
	ctx := t.Context()
	_, getErr := s.GetUser(ctx, "u1")
	_, listErr := s.ListClients(ctx)
	for name, err := range map[string]error{
		"Ping":               s.Ping(ctx),
		"GetUser":            getErr,
		"ListClients":        listErr,
		"RotateRefreshToken": s.RotateRefreshToken(ctx, "h", storage.RefreshToken{ID: "n", Hash: "h2"}),
		"RotateSigningKeys":  s.RotateSigningKeys(ctx, storage.SigningKey{ID: "k", Algorithm: "RS256"}, time.Now()),
	} {
		if !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("%s: got %v, want ErrUnavailable", name, err)
		}
	}
}

func TestDeadlineIsUnavailable(t *testing.T) {
	s := postgres.New(newPool(t), nil)
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := s.GetUser(ctx, "u1"); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("GetUser past the deadline: got %v, want ErrUnavailable", err)
	}
}

// The e-mail index is on lower(email): uniqueness and lookup ignore case even
// if a caller forgot to normalise.
func TestEmailCaseInsensitive(t *testing.T) {
	s := postgres.New(newPool(t), nil)
	ctx := t.Context()
	now := time.Now()
	u := storage.User{ID: "u1", Email: "ada@example.com", CreatedAt: now, UpdatedAt: now}
	mustOK(t, s.CreateUser(ctx, u), "CreateUser")
	dup := storage.User{ID: "u2", Email: "Ada@Example.com", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateUser(ctx, dup); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("CreateUser with the e-mail in other case: got %v, want ErrAlreadyExists", err)
	}
	got, err := s.GetUserByEmail(ctx, storage.DefaultTenantID, "ADA@example.com")
	mustOK(t, err, "GetUserByEmail")
	if got.ID != u.ID {
		t.Fatalf("GetUserByEmail returned user %q, want %q", got.ID, u.ID)
	}
}

// A successor whose hash is taken must leave the old token unrotated: the
// mark and the insert are one statement.
func TestRotateIsAtomic(t *testing.T) {
	s := postgres.New(newPool(t), nil)
	ctx := t.Context()
	old, taken := refreshToken("old", "fam"), refreshToken("taken", "other")
	mustOK(t, s.CreateRefreshToken(ctx, old), "CreateRefreshToken")
	mustOK(t, s.CreateRefreshToken(ctx, taken), "CreateRefreshToken")
	next := refreshToken("next", "fam")
	next.Hash = taken.Hash
	if err := s.RotateRefreshToken(ctx, old.Hash, next); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("rotate to a taken hash: got %v, want ErrAlreadyExists", err)
	}
	got, err := s.GetRefreshToken(ctx, old.Hash)
	mustOK(t, err, "GetRefreshToken")
	if !got.RotatedAt.IsZero() {
		t.Fatalf("old token marked rotated at %v by a failed rotation", got.RotatedAt)
	}
}

// Rotation races down a chain: in every round many racers rotate the current
// link, exactly one wins, and the family ends with one link per round.
func TestRotateRaceChain(t *testing.T) {
	const rounds, racers = 10, 16
	s := postgres.New(newPool(t), nil)
	ctx := t.Context()
	cur := refreshToken("link0", "fam")
	mustOK(t, s.CreateRefreshToken(ctx, cur), "CreateRefreshToken")
	for round := 1; round <= rounds; round++ {
		nexts := make([]storage.RefreshToken, racers)
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			nexts[i] = refreshToken(fmt.Sprintf("link%d-%d", round, i), "fam")
			wg.Go(func() { errs[i] = s.RotateRefreshToken(ctx, cur.Hash, nexts[i]) })
		}
		wg.Wait()
		cur = nexts[winner(t, round, errs)]
	}
	families, err := s.RevokeRefreshTokens(ctx, cur.UserID, "", time.Now())
	mustOK(t, err, "RevokeRefreshTokens")
	if len(families) != 1 || families[0] != "fam" {
		t.Fatalf("families = %q, want [fam]", families)
	}
}

// winner returns the index of the only nil error; all others must be
// ErrAlreadyUsed.
func winner(t *testing.T, round int, errs []error) int {
	t.Helper()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("round %d: racers %d and %d both rotated", round, won, i)
		case err == nil:
			won = i
		case !errors.Is(err, storage.ErrAlreadyUsed):
			t.Fatalf("round %d: racer %d: got %v, want ErrAlreadyUsed", round, i, err)
		}
	}
	if won < 0 {
		t.Fatalf("round %d: nobody rotated", round)
	}
	return won
}

// Two nodes rotating keys at once must not rotate twice nor break the one
// active, one next invariant: one wins, the other gets an error. A third
// transaction holds the active key's row until both rotations wait on it, so
// they really overlap instead of merely running back to back.
func TestRotateSigningKeysRace(t *testing.T) {
	pool := newPool(t)
	s := postgres.New(pool, nil)
	ctx := t.Context()
	now := time.Now()
	mustOK(t, s.CreateSigningKey(ctx, signingKey("a", storage.KeyActive, now)), "CreateSigningKey active")
	mustOK(t, s.CreateSigningKey(ctx, signingKey("n", storage.KeyNext, now)), "CreateSigningKey next")
	release := lockKeyRow(t, pool, "a")
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.RotateSigningKeys(ctx, signingKey(fmt.Sprintf("new%d", i), storage.KeyNext, now), now)
		})
	}
	waitForLockWaiters(t, pool, len(errs))
	release()
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("concurrent rotations: got %v and %v, want exactly one success", errs[0], errs[1])
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, storage.ErrAlreadyExists) && !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("losing rotation: got %v, want ErrAlreadyExists or ErrNotFound", err)
		}
	}
	assertStates(t, s, map[string]string{"a": storage.KeyRetired, "n": storage.KeyActive})
}

// lockKeyRow locks a signing key's row in a transaction of its own until
// release is called.
func lockKeyRow(t *testing.T, pool *pgxpool.Pool, id string) (release func()) {
	t.Helper()
	tx, err := pool.Begin(t.Context())
	mustOK(t, err, "begin")
	_, err = tx.Exec(t.Context(), `SELECT FROM signing_keys WHERE id = $1 FOR UPDATE`, id)
	mustOK(t, err, "lock key row")
	return func() { mustOK(t, tx.Commit(t.Context()), "release key row") }
}

// waitForLockWaiters polls until n sessions of the test database wait on a
// lock.
func waitForLockWaiters(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var waiting int
		err := pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		mustOK(t, err, "count lock waiters")
		if waiting >= n {
			return
		}
	}
	t.Fatalf("fewer than %d sessions ever waited on the lock", n)
}

// assertStates checks the keys' states: the named ones as given, plus
// exactly one other key, which must be next.
func assertStates(t *testing.T, s storage.SigningKeys, want map[string]string) {
	t.Helper()
	keys, err := s.ListSigningKeys(t.Context())
	mustOK(t, err, "ListSigningKeys")
	if len(keys) != len(want)+1 {
		t.Fatalf("got %d keys, want %d", len(keys), len(want)+1)
	}
	for _, k := range keys {
		state, named := want[k.ID]
		if !named {
			state = storage.KeyNext
		}
		if k.State != state {
			t.Errorf("key %s is %s, want %s", k.ID, k.State, state)
		}
	}
}

func refreshToken(id, family string) storage.RefreshToken {
	now := time.Now()
	return storage.RefreshToken{
		ID: id, Hash: "hash-" + id, FamilyID: family, ClientID: "c1", UserID: "u1",
		Scopes: []string{"openid"}, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
	}
}

func signingKey(id, state string, now time.Time) storage.SigningKey {
	return storage.SigningKey{ID: id, Algorithm: "RS256", State: state, PrivateKey: []byte{1}, CreatedAt: now}
}

func mustOK(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Users, clients and grants reference their tenant (a foreign key): naming
// an unknown tenant is ErrNotFound and stores nothing.
func TestUnknownTenant(t *testing.T) {
	s := postgres.New(newPool(t), nil)
	ctx := t.Context()
	now := time.Now()
	tenant := "no-such-tenant"
	err := s.CreateUser(ctx, storage.User{ID: "u1", TenantID: tenant, Email: "a@example.com", CreatedAt: now, UpdatedAt: now})
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("CreateUser in an unknown tenant: got %v, want ErrNotFound", err)
	}
	err = s.CreateClient(ctx, storage.Client{ID: "c1", TenantID: tenant, CreatedAt: now})
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("CreateClient in an unknown tenant: got %v, want ErrNotFound", err)
	}
	_, err = s.PutRoleGrant(ctx, storage.RoleGrant{ID: "g1", TenantID: tenant, UserID: "u1", Role: "r", GrantedBy: "cli", GrantedAt: now})
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("PutRoleGrant in an unknown tenant: got %v, want ErrNotFound", err)
	}
	if _, err := s.GetUser(ctx, "u1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetUser after the refused CreateUser: got %v, want ErrNotFound", err)
	}
}
