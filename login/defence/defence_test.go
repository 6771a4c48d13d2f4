package defence

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
	"github.com/admit-idp/admit/storage/memory"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type users map[string]storage.User

func (u users) GetUserByEmail(_ context.Context, _, email string) (storage.User, error) {
	if x, ok := u[email]; ok {
		return x, nil
	}
	return storage.User{}, storage.ErrNotFound
}

type notice struct {
	user  storage.User
	until time.Time
	link  string
}

type recorder struct {
	mu      sync.Mutex
	notices []notice
	events  []audit.Event
}

func (r *recorder) AccountLocked(_ context.Context, u storage.User, until time.Time, link string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notices = append(r.notices, notice{u, until, link})
	return nil
}

func (r *recorder) Record(_ context.Context, e audit.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func newGuard(t *testing.T) (*Guard, *fakeClock, *recorder) {
	t.Helper()
	c := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	rec := &recorder{}
	g := &Guard{Store: memory.New(c.Now), Users: users{"ada@example.com": {ID: "u1", Email: "ada@example.com"}},
		Policy: DefaultPolicy(), Notifier: rec, Audit: rec, Now: c.Now, Logger: slog.New(slog.DiscardHandler)}
	g.Policy.RateLimits = false
	signer, err := signed.New(make([]byte, signed.MinRootKey), "unlock link", c.Now)
	if err != nil {
		t.Fatal(err)
	}
	g.Unlock = &Unlocker{Signer: signer, Issuer: "https://id.example", Guard: g}
	return g, c, rec
}

func req(ip string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/login/password", nil)
	r.RemoteAddr = ip + ":1234"
	return r
}

func attempt(id string) login.Attempt {
	return login.Attempt{Action: ActionLogin, Identifier: id, Lockable: true}
}

func TestLockout(t *testing.T) {
	tests := []struct {
		name       string
		identifier string
		failures   int
		ips        int // spread the failures over this many IPs
		advance    time.Duration
		wantLocked bool
		wantNotice bool
	}{
		{"four failures do not lock", "ada@example.com", 4, 1, 0, false, false},
		{"five failures lock the account", "ada@example.com", 5, 1, 0, true, true},
		{"five from five IPs still lock the account", "ada@example.com", 5, 5, 0, true, true},
		{"unknown e-mail locks alike, no notice", "nobody@example.com", 5, 1, 0, true, false},
		{"lock ends after 15 minutes", "ada@example.com", 5, 1, 15 * time.Minute, false, true},
		{"lock holds at 14 minutes", "ada@example.com", 5, 1, 14 * time.Minute, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, c, rec := newGuard(t)
			for i := range tc.failures {
				if _, err := g.Failed(req("192.0.2."+string(rune('1'+i%tc.ips))), attempt(tc.identifier)); err != nil {
					t.Fatal(err)
				}
			}
			c.Advance(tc.advance)
			v, err := g.Check(req("198.51.100.9"), attempt(tc.identifier))
			if err != nil || v.Refused != tc.wantLocked || (tc.wantLocked && v.Reason != login.RefuseLocked) {
				t.Fatalf("verdict %+v, %v", v, err)
			}
			if (len(rec.notices) == 1) != tc.wantNotice {
				t.Fatalf("notices %+v", rec.notices)
			}
		})
	}
}

func TestFailureCountsInWindowOnly(t *testing.T) {
	g, c, _ := newGuard(t)
	for range 4 {
		_, _ = g.Failed(req("192.0.2.1"), attempt("ada@example.com"))
	}
	c.Advance(16 * time.Minute) // the window (from the first failure) is over
	v, _ := g.Failed(req("192.0.2.1"), attempt("ada@example.com"))
	if v.Refused {
		t.Fatal("a failure in a new window locked the account")
	}
}

func TestSuccessResets(t *testing.T) {
	g, _, _ := newGuard(t)
	for range 4 {
		_, _ = g.Failed(req("192.0.2.1"), attempt("ada@example.com"))
	}
	if err := g.Succeeded(req("192.0.2.1"), attempt("ada@example.com")); err != nil {
		t.Fatal(err)
	}
	if v, _ := g.Failed(req("192.0.2.2"), attempt("ada@example.com")); v.Refused {
		t.Fatal("the counter was not reset by the success")
	}
}

func TestIPLockAfterTen(t *testing.T) {
	g, _, rec := newGuard(t)
	for i := range 10 {
		v, _ := g.Failed(req("192.0.2.1"), attempt("user"+string(rune('a'+i))+"@example.com"))
		if v.Refused != (i == 9) {
			t.Fatalf("failure %d: %+v", i+1, v)
		}
	}
	if v, _ := g.Check(req("192.0.2.1"), attempt("fresh@example.com")); !v.Refused {
		t.Fatal("IP not locked after 10 failures")
	}
	if v, _ := g.Check(req("192.0.2.2"), attempt("fresh@example.com")); v.Refused {
		t.Fatal("another IP is locked")
	}
	if len(rec.events) != 1 || rec.events[0].Event != "lockout" || rec.events[0].Details["scope"] != "ip" {
		t.Fatalf("audit %+v", rec.events)
	}
}

func TestNotLockableStepsIgnoreLock(t *testing.T) {
	g, _, _ := newGuard(t)
	for range 5 {
		_, _ = g.Failed(req("192.0.2.1"), attempt("ada@example.com"))
	}
	a := login.Attempt{Action: ActionPasskey, Identifier: "ada@example.com"}
	if v, _ := g.Check(req("192.0.2.1"), a); v.Refused {
		t.Fatal("a passkey attempt was refused by the password lock")
	}
}

func TestUnlockLink(t *testing.T) {
	g, c, rec := newGuard(t)
	for range 5 {
		_, _ = g.Failed(req("192.0.2.1"), attempt("ada@example.com"))
	}
	link := rec.notices[0].link
	tok := link[len("https://id.example"+UnlockPath+"?t="):]
	id, tenant, err := g.Unlock.parse(unescape(t, tok))
	if err != nil || id != "ada@example.com" || tenant != storage.DefaultTenantID {
		t.Fatalf("parse: %q, %q, %v", id, tenant, err)
	}
	if _, _, err := g.Unlock.parse(unescape(t, tok) + "x"); err == nil {
		t.Fatal("tampered token accepted")
	}
	_ = g.Unlocked(context.Background(), id, storage.User{}, storage.UnlockByLink)
	if v, _ := g.Check(req("198.51.100.1"), attempt("ada@example.com")); v.Refused {
		t.Fatalf("still locked after unlock: %+v", v)
	}
	c.Advance(15 * time.Minute)
	if _, _, err := g.Unlock.parse(unescape(t, tok)); err == nil {
		t.Fatal("link valid after the lock ended")
	}
}

// TestUnlockLinkNamesTenant: a link sent to an account of another tenant
// names that tenant (the unlock announces that account's user); a link
// without one (made before links named their tenant) is the default
// tenant's.
func TestUnlockLinkNamesTenant(t *testing.T) {
	g, c, _ := newGuard(t)
	for tenant, want := range map[string]string{"t-riverside": "t-riverside", "": storage.DefaultTenantID} {
		link := g.Unlock.URL("ada@example.com", tenant, c.Now().Add(time.Minute))
		tok := link[len("https://id.example"+UnlockPath+"?t="):]
		id, got, err := g.Unlock.parse(unescape(t, tok))
		if err != nil || id != "ada@example.com" || got != want {
			t.Errorf("tenant %q: parse = %q, %q, %v; want ada@example.com in %q", tenant, id, got, err, want)
		}
	}
}

func TestRateLimits(t *testing.T) {
	tests := []struct {
		name    string
		action  string
		allowed int
	}{
		{"login 5/min", ActionLogin, 5},
		{"sign-up 3/5min", ActionSignUp, 3},
		{"wallet nonce 10/min", ActionWalletNonce, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, c, _ := newGuard(t)
			g.Policy.RateLimits = true
			for i := range tc.allowed {
				if v, err := g.Limit(context.Background(), tc.action, "192.0.2.1", ""); err != nil || v.Refused {
					t.Fatalf("hit %d refused: %+v %v", i, v, err)
				}
			}
			v, _ := g.Limit(context.Background(), tc.action, "192.0.2.1", "")
			if !v.Refused || v.RetryAfter <= 0 {
				t.Fatalf("over the limit: %+v", v)
			}
			c.Advance(v.RetryAfter)
			if v, _ := g.Limit(context.Background(), tc.action, "192.0.2.1", ""); v.Refused {
				t.Fatalf("after Retry-After: %+v", v)
			}
		})
	}
}

func TestIPv6CountsPerSlash64(t *testing.T) {
	if IPPrefix("2001:db8:1:2:aaaa::1") != IPPrefix("2001:db8:1:2:bbbb::2") || IPPrefix("192.0.2.1") != "192.0.2.1" {
		t.Fatal("prefixes")
	}
}

func unescape(t *testing.T, s string) string {
	t.Helper()
	u, err := url.QueryUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
