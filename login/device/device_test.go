package device

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
	"github.com/admit-idp/admit/storage/memory"
)

func TestScore(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	dev := func(age, idle time.Duration, ok, bad int) storage.Device {
		return storage.Device{ID: "d", FirstSeen: now.Add(-age), LastSeen: now.Add(-idle), Successes: ok, Failures: bad}
	}
	tests := []struct {
		name string
		d    storage.Device
		want int
	}{
		{"unknown device", storage.Device{}, 0},
		{"brand new, seen now, no successes", dev(0, 0, 0, 0), 80},
		{"one success today", dev(0, time.Hour, 1, 0), 85},
		{"100 days old, seen 3 days ago", dev(100*day, 3*day, 0, 0), 80},
		{"age bonus caps at 20", dev(1000*day, 3*day, 0, 0), 90},
		{"seen 20 days ago", dev(0, 20*day, 0, 0), 60},
		{"idle 60 days: no recency bonus", dev(0, 60*day, 0, 0), 50},
		{"failures pull it under 30", dev(0, 60*day, 0, 3), 20},
		{"never below 0", dev(0, 60*day, 0, 20), 0},
		{"never above 100", dev(500*day, 0, 10, 0), 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Score(tc.d, now); got != tc.want {
				t.Fatalf("Score = %d, want %d", got, tc.want)
			}
		})
	}
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func TestTrustRecognisesTheCookie(t *testing.T) {
	c := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	st := memory.New(c.Now)
	signer, err := signed.New(make([]byte, signed.MinRootKey), "device cookie", c.Now)
	if err != nil {
		t.Fatal(err)
	}
	tr := &Trust{Store: st, Users: st, Signer: signer, Audit: audit.Nop{}, Now: c.Now, Logger: slog.New(slog.DiscardHandler), Cookies: login.Cookies{}}
	r := httptest.NewRequest(http.MethodPost, "/login/password", nil)
	r.RemoteAddr = "192.0.2.1:5"
	w := httptest.NewRecorder()
	a, err := tr.Succeeded(w, r, "u1")
	if err != nil || !a.New || !a.Untrusted() {
		t.Fatalf("first sign-in: %+v %v", a, err)
	}
	tr.Wait()
	cookie := w.Result().Cookies()[0]
	c.t = c.t.Add(2 * time.Hour)
	r2 := httptest.NewRequest(http.MethodPost, "/login/password", nil)
	r2.AddCookie(cookie)
	a, _ = tr.Succeeded(httptest.NewRecorder(), r2, "u1")
	tr.Wait()
	if a.New || a.Untrusted() || a.Score != 85 {
		t.Fatalf("second sign-in: %+v", a)
	}
	// A forged cookie is a new device; another user on the same browser too.
	r3 := httptest.NewRequest(http.MethodPost, "/", nil)
	r3.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value[:10] + ".forged"})
	if a, _ = tr.Succeeded(httptest.NewRecorder(), r3, "u1"); !a.New {
		t.Fatal("forged cookie accepted")
	}
	if a, _ = tr.Succeeded(httptest.NewRecorder(), r2, "u2"); !a.New {
		t.Fatal("device shared across users")
	}
	tr.Wait()
	// Failures lower the score under the threshold.
	for range 7 {
		tr.Failed(r2, "u1")
	}
	c.t = c.t.Add(60 * 24 * time.Hour)
	if a, _ = tr.Succeeded(httptest.NewRecorder(), r2, "u1"); !a.Untrusted() || a.New {
		t.Fatalf("after failures: %+v", a)
	}
}

// notices records the new-sign-in notices sent.
type notices struct {
	mu sync.Mutex
	to []string
}

func (n *notices) NewSignIn(_ context.Context, u storage.User, _ storage.Device) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.to = append(n.to, u.Email)
	return nil
}

// TestObserveNoticeUsesTheSignInsUser: the notice for a new device goes to
// the user the sign-in read (no second read of the user); given only the
// user's ID, Observe reads them. The stored user's address differs from
// the passed one, so the test tells which was used.
func TestObserveNoticeUsesTheSignInsUser(t *testing.T) {
	c := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	st := memory.New(c.Now)
	if err := st.CreateUser(t.Context(), storage.User{ID: "u1", TenantID: storage.DefaultTenantID, Email: "stored@example.com"}); err != nil {
		t.Fatal(err)
	}
	signer, err := signed.New(make([]byte, signed.MinRootKey), "device cookie", c.Now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		user storage.User
		want string
	}{
		{"user read by the sign-in", storage.User{ID: "u1", Email: "passed@example.com"}, "passed@example.com"},
		{"only the ID", storage.User{ID: "u1"}, "stored@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := &notices{}
			tr := &Trust{Store: st, Users: st, Signer: signer, Notify: true, Notifier: n, Audit: audit.Nop{}, Now: c.Now,
				Logger: slog.New(slog.DiscardHandler), Cookies: login.Cookies{}}
			r := httptest.NewRequest(http.MethodPost, "/login/password", nil)
			untrusted, err := tr.Observe(httptest.NewRecorder(), r, tc.user)
			tr.Wait()
			if err != nil || !untrusted {
				t.Fatalf("Observe = %v, %v; want a new (untrusted) device", untrusted, err)
			}
			if len(n.to) != 1 || n.to[0] != tc.want {
				t.Fatalf("notices to %q, want [%q]", n.to, tc.want)
			}
		})
	}
}
