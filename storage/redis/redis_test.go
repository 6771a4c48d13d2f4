package redis_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/redis"
	"github.com/admit-idp/admit/storage/redis/redistest"
)

// fakeClock is a minimal settable clock for the Redis-specific tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Now().UTC().Truncate(time.Second)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newStore returns a Store on a fresh prefix with its client and prefix.
func newStore(t *testing.T, clock *fakeClock) (*redis.Store, goredis.UniversalClient, string) {
	t.Helper()
	client, prefix := redistest.NewClient(t)
	return redis.New(client, prefix, clock.Now), client, prefix
}

// secondReplica returns a Store on its own connection to the same Redis and
// prefix, as another Admit instance would have.
func secondReplica(t *testing.T, prefix string, clock *fakeClock) *redis.Store {
	t.Helper()
	client, err := redis.Connect(t.Context(), redistest.URL())
	if err != nil {
		t.Fatalf("second connection: %v", err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return redis.New(client, prefix, clock.Now)
}

func sampleRequest(clock *fakeClock) storage.AuthRequest {
	now := clock.Now()
	return storage.AuthRequest{
		ID: "req-" + now.Format("150405.000000"), ClientID: "web", RedirectURI: "https://rp.example/cb",
		Scopes: []string{"openid", "email"}, ResponseType: "code", State: "st", Nonce: "n",
		MaxAge: -1, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute),
	}
}

func sampleCode(clock *fakeClock, hash string) storage.AuthCode {
	now := clock.Now()
	r := sampleRequest(clock)
	r.Done, r.UserID, r.AuthTime, r.AMR = true, "u1", now, []string{"pwd"}
	return storage.AuthCode{
		Hash: hash, Request: r, ExpiresAt: now.Add(time.Minute), KeepUntil: now.Add(10 * time.Minute),
	}
}

func mustOK(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func mustErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got %v, want an error wrapping %q", what, err, target)
	}
}

// Exactly one of many concurrent consumes, spread over two replicas with
// their own connections, wins; every loser sees ErrAlreadyUsed with the
// request so it can revoke the grant.
func TestConsumeAuthCodeExactlyOnce(t *testing.T) {
	clock := newFakeClock()
	a, _, prefix := newStore(t, clock)
	b := secondReplica(t, prefix, clock)
	code := sampleCode(clock, "concurrent")
	mustOK(t, a.SaveAuthCode(t.Context(), code), "save code")

	const n = 64
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		store := []*redis.Store{a, b}[i%2]
		wg.Go(func() {
			r, err := store.ConsumeAuthCode(t.Context(), code.Hash)
			if (err == nil || errors.Is(err, storage.ErrAlreadyUsed)) && r.ID != code.Request.ID {
				err = fmt.Errorf("result carries request %q, want %q (after %v)", r.ID, code.Request.ID, err)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	wins := 0
	for err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, storage.ErrAlreadyUsed):
			t.Errorf("consume: unexpected error %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d of %d concurrent consumes won, want exactly 1", wins, n)
	}
}

// The records stay in Redis after the injected clock passed their expiry
// (their native TTL is real time plus slack), yet the store reports them gone.
func TestExpiryFollowsInjectedClockNotTTL(t *testing.T) {
	clock := newFakeClock()
	s, client, prefix := newStore(t, clock)
	ctx := t.Context()
	r := sampleRequest(clock)
	mustOK(t, s.CreateAuthRequest(ctx, r), "create")
	mustOK(t, s.PutLoginFlow(ctx, storage.LoginFlow{ID: "f", ExpiresAt: r.ExpiresAt}), "put flow")
	mustOK(t, s.Revoke(ctx, "jti", r.ExpiresAt), "revoke")

	clock.Advance(10 * time.Minute)
	if n := client.Exists(ctx, prefix+"authreq:"+r.ID, prefix+"flow:f", prefix+"revoked:jti").Val(); n != 3 {
		t.Fatalf("%d of 3 keys still in Redis, want all (native TTL must not have fired)", n)
	}
	_, err := s.GetAuthRequest(ctx, r.ID)
	mustErr(t, err, storage.ErrNotFound, "get expired request")
	mustErr(t, s.CompleteAuthRequest(ctx, r.ID, storage.AuthCompletion{UserID: "u"}), storage.ErrNotFound, "complete expired request")
	_, err = s.GetLoginFlow(ctx, "f")
	mustErr(t, err, storage.ErrNotFound, "get expired flow")
	if revoked, err := s.IsRevoked(ctx, "jti"); err != nil || revoked {
		t.Fatalf("IsRevoked after until = %v, %v; want false, nil", revoked, err)
	}
	// An expired record counts as absent, so its ID can be taken again.
	mustOK(t, s.CreateAuthRequest(ctx, r), "re-create over expired request")
}

// Every record gets a native TTL of (expiry - now) + slack so Redis reclaims
// it, and the atomic updates keep that TTL.
func TestNativeTTL(t *testing.T) {
	clock := newFakeClock()
	s, client, prefix := newStore(t, clock)
	ctx := t.Context()
	r := sampleRequest(clock)                 // expires in 10m
	code := sampleCode(clock, "ttl")          // kept for 10m
	until := clock.Now().Add(5 * time.Minute) // revocation
	mustOK(t, s.CreateAuthRequest(ctx, r), "create")
	mustOK(t, s.CompleteAuthRequest(ctx, r.ID, storage.AuthCompletion{UserID: "u"}), "complete")
	mustOK(t, s.SaveAuthCode(ctx, code), "save code")
	_, err := s.ConsumeAuthCode(ctx, code.Hash)
	mustOK(t, err, "consume")
	mustOK(t, s.PutLoginFlow(ctx, storage.LoginFlow{ID: "f", ExpiresAt: until}), "put flow")
	mustOK(t, s.Revoke(ctx, "jti", until), "revoke")
	mustOK(t, s.Revoke(ctx, "old", clock.Now().Add(-time.Hour)), "revoke in the past")

	for key, want := range map[string]time.Duration{
		"authreq:" + r.ID: 11 * time.Minute,
		"code:ttl":        11 * time.Minute,
		"flow:f":          6 * time.Minute,
		"revoked:jti":     6 * time.Minute,
		"revoked:old":     time.Second, // the minimum
	} {
		got := client.PTTL(ctx, prefix+key).Val()
		if got > want || got < want-5*time.Second {
			t.Errorf("PTTL %s = %v, want about %v", key, got, want)
		}
	}
}

// A used code answers ErrAlreadyUsed (with its request) until KeepUntil even
// after ExpiresAt; an unused code is gone at ExpiresAt.
func TestConsumeAuthCodeLifecycle(t *testing.T) {
	clock := newFakeClock()
	s, _, _ := newStore(t, clock)
	ctx := t.Context()
	used, unused := sampleCode(clock, "used"), sampleCode(clock, "unused")
	mustOK(t, s.SaveAuthCode(ctx, used), "save used")
	mustOK(t, s.SaveAuthCode(ctx, unused), "save unused")
	mustErr(t, s.SaveAuthCode(ctx, used), storage.ErrAlreadyExists, "save twice")
	_, err := s.ConsumeAuthCode(ctx, used.Hash)
	mustOK(t, err, "first consume")

	clock.Advance(time.Minute) // ExpiresAt
	r, err := s.ConsumeAuthCode(ctx, used.Hash)
	mustErr(t, err, storage.ErrAlreadyUsed, "replay after ExpiresAt")
	if r.ID != used.Request.ID || r.UserID != "u1" {
		t.Errorf("replay returned request %q of user %q, want %q of u1", r.ID, r.UserID, used.Request.ID)
	}
	_, err = s.ConsumeAuthCode(ctx, unused.Hash)
	mustErr(t, err, storage.ErrNotFound, "unused code after ExpiresAt")

	clock.Advance(9 * time.Minute) // KeepUntil
	_, err = s.ConsumeAuthCode(ctx, used.Hash)
	mustErr(t, err, storage.ErrNotFound, "replay after KeepUntil")
}

// Two replicas on their own connections see each other's writes.
func TestReplicasShareRecords(t *testing.T) {
	clock := newFakeClock()
	a, _, prefix := newStore(t, clock)
	b := secondReplica(t, prefix, clock)
	ctx := t.Context()
	r := sampleRequest(clock)
	code := sampleCode(clock, "shared")
	mustOK(t, a.CreateAuthRequest(ctx, r), "a: create")
	mustErr(t, b.CreateAuthRequest(ctx, r), storage.ErrAlreadyExists, "b: create same ID")
	mustOK(t, b.CompleteAuthRequest(ctx, r.ID, storage.AuthCompletion{UserID: "u9", AMR: []string{"pwd"}}), "b: complete")
	got, err := a.GetAuthRequest(ctx, r.ID)
	mustOK(t, err, "a: get")
	if !got.Done || got.UserID != "u9" {
		t.Errorf("a sees Done=%v UserID=%q, want the completion written by b", got.Done, got.UserID)
	}
	mustOK(t, a.SaveAuthCode(ctx, code), "a: save code")
	_, err = b.ConsumeAuthCode(ctx, code.Hash)
	mustOK(t, err, "b: consume")
	_, err = a.ConsumeAuthCode(ctx, code.Hash)
	mustErr(t, err, storage.ErrAlreadyUsed, "a: consume after b")
	mustOK(t, b.Revoke(ctx, "grant", clock.Now().Add(time.Hour)), "b: revoke")
	if revoked, err := a.IsRevoked(ctx, "other", "grant"); err != nil || !revoked {
		t.Errorf("a: IsRevoked = %v, %v; want true, nil", revoked, err)
	}
	mustOK(t, a.DeleteAuthRequest(ctx, r.ID), "a: delete")
	_, err = b.GetAuthRequest(ctx, r.ID)
	mustErr(t, err, storage.ErrNotFound, "b: get deleted")
}

// Stores with different prefixes on one Redis never see each other's keys.
func TestPrefixIsolation(t *testing.T) {
	clock := newFakeClock()
	s, client, prefix := newStore(t, clock)
	other := redis.New(client, prefix+"other:", clock.Now) // under prefix, so cleanup removes it
	r := sampleRequest(clock)
	mustOK(t, s.CreateAuthRequest(t.Context(), r), "create")
	_, err := other.GetAuthRequest(t.Context(), r.ID)
	mustErr(t, err, storage.ErrNotFound, "get under another prefix")
	mustOK(t, other.CreateAuthRequest(t.Context(), r), "create same ID under another prefix")
}

// Revoking again extends an entry but never shortens it.
func TestRevokeNeverShortens(t *testing.T) {
	clock := newFakeClock()
	s, _, _ := newStore(t, clock)
	ctx := t.Context()
	mustOK(t, s.Revoke(ctx, "g", clock.Now().Add(10*time.Minute)), "revoke long")
	mustOK(t, s.Revoke(ctx, "g", clock.Now().Add(time.Minute)), "revoke short")
	clock.Advance(5 * time.Minute)
	if revoked, err := s.IsRevoked(ctx, "g"); err != nil || !revoked {
		t.Fatalf("IsRevoked = %v, %v; want true, nil", revoked, err)
	}
	if revoked, err := s.IsRevoked(ctx); err != nil || revoked {
		t.Fatalf("IsRevoked() with no keys = %v, %v; want false, nil", revoked, err)
	}
}

// closedAddr returns an address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	mustOK(t, l.Close(), "close listener")
	return addr
}

// An unreachable server is storage.ErrUnavailable for Connect and for every
// operation, so HTTP layers answer 503.
func TestUnavailable(t *testing.T) {
	addr := closedAddr(t)
	_, err := redis.Connect(t.Context(), "redis://"+addr)
	mustErr(t, err, storage.ErrUnavailable, "Connect")

	client := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = client.Close() })
	clock := newFakeClock()
	s := redis.New(client, "admit-test-down:", clock.Now)
	ctx := t.Context()
	for name, call := range map[string]func() error{
		"Ping":                func() error { return s.Ping(ctx) },
		"CreateAuthRequest":   func() error { return s.CreateAuthRequest(ctx, sampleRequest(clock)) },
		"GetAuthRequest":      func() error { _, err := s.GetAuthRequest(ctx, "x"); return err },
		"CompleteAuthRequest": func() error { return s.CompleteAuthRequest(ctx, "x", storage.AuthCompletion{}) },
		"DeleteAuthRequest":   func() error { return s.DeleteAuthRequest(ctx, "x") },
		"SaveAuthCode":        func() error { return s.SaveAuthCode(ctx, sampleCode(clock, "h")) },
		"ConsumeAuthCode":     func() error { _, err := s.ConsumeAuthCode(ctx, "h"); return err },
		"PutLoginFlow":        func() error { return s.PutLoginFlow(ctx, storage.LoginFlow{ID: "f"}) },
		"GetLoginFlow":        func() error { _, err := s.GetLoginFlow(ctx, "f"); return err },
		"DeleteLoginFlow":     func() error { return s.DeleteLoginFlow(ctx, "f") },
		"Revoke":              func() error { return s.Revoke(ctx, "k", clock.Now()) },
		"IsRevoked":           func() error { _, err := s.IsRevoked(ctx, "k"); return err },
	} {
		mustErr(t, call(), storage.ErrUnavailable, name)
	}
}

// A request deadline that expires while waiting on Redis is ErrUnavailable;
// a caller that went away (cancelled) is not.
func TestContextErrors(t *testing.T) {
	clock := newFakeClock()
	s, _, _ := newStore(t, clock)
	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := s.IsRevoked(expired, "k")
	mustErr(t, err, storage.ErrUnavailable, "IsRevoked past deadline")

	cancelled, cancelNow := context.WithCancel(t.Context())
	cancelNow()
	_, err = s.ConsumeAuthCode(cancelled, "h")
	mustErr(t, err, context.Canceled, "ConsumeAuthCode cancelled")
	if errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("cancelled call reported as unavailable: %v", err)
	}
}

// A malformed URL is reported without echoing it, as it may hold a password.
func TestConnectBadURLHidesPassword(t *testing.T) {
	_, err := redis.Connect(t.Context(), "redis://admit:s3cret@host:bad/0")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Connect with a malformed URL: got %v, want an error without the password", err)
	}
}

// A Redis that accepts connections but never answers (frozen, SIGSTOP)
// must end a call with ErrUnavailable at WithDeadline's bound, not at the
// much longer socket timeouts, and the caller's context needs no deadline.
func TestFrozenServerEndsCallsAtTheDeadline(t *testing.T) {
	const deadline = 300 * time.Millisecond
	l, err := net.Listen("tcp", "127.0.0.1:0")
	mustOK(t, err, "listen")
	t.Cleanup(func() { _ = l.Close() })
	go func() { // accept and never answer
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	client := goredis.NewClient(&goredis.Options{Addr: l.Addr().String(), MaxRetries: -1, DialerRetries: 1,
		DialTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		ContextTimeoutEnabled: true}) // as Connect sets it
	t.Cleanup(func() { _ = client.Close() })
	redis.WithDeadline(client, deadline)
	s := redis.New(client, "admit-test-frozen:", newFakeClock().Now)
	start := time.Now()
	_, err = s.IsRevoked(context.Background(), "k")
	mustErr(t, err, storage.ErrUnavailable, "IsRevoked on a frozen server")
	if took := time.Since(start); took > deadline+time.Second {
		t.Fatalf("IsRevoked on a frozen server took %v, want about %v", took, deadline)
	}
}
