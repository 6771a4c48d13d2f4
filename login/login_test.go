package login

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/storage"
)

func TestSessionSatisfies(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	e := &Engine{Now: func() time.Time { return now }}
	sess := storage.Session{UserID: "u1", AuthTime: now.Add(-10 * time.Minute)}
	tests := []struct {
		name string
		req  storage.AuthRequest
		want bool
	}{
		{"no constraints", storage.AuthRequest{MaxAge: -1}, true},
		{"prompt=login", storage.AuthRequest{MaxAge: -1, Prompt: []string{"login"}}, false},
		{"max_age not reached", storage.AuthRequest{MaxAge: 3600}, true},
		{"max_age passed", storage.AuthRequest{MaxAge: 300}, false},
		{"max_age=0", storage.AuthRequest{MaxAge: 0}, false},
		{"id_token_hint for the same user", storage.AuthRequest{MaxAge: -1, HintSubject: "u1"}, true},
		{"id_token_hint for another user", storage.AuthRequest{MaxAge: -1, HintSubject: "u2"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.sessionSatisfies(tt.req, sess); got != tt.want {
				t.Fatalf("sessionSatisfies = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestACRFor(t *testing.T) {
	for amr, want := range map[string]string{"pwd": ACRSingleFactor, "pwd otp mfa": ACRMultiFactor, "": ACRSingleFactor} {
		if got := acrFor(strings.Fields(amr)); got != want {
			t.Errorf("acrFor(%q) = %q, want %q", amr, got, want)
		}
	}
}

func TestAllowFormTarget(t *testing.T) {
	const base = "default-src 'self'; form-action 'self'; frame-ancestors 'none'"
	// Web redirect URIs are reached through a ContinuePage (Continue), so
	// the login pages keep form-action 'self' for them; a native app's
	// private-use scheme is reached by redirect and is allowed.
	tests := []struct{ redirect, want string }{
		{"https://app.example.com/cb?x=1", "form-action 'self';"},
		{"http://127.0.0.1:5555/callback", "form-action 'self';"},
		{"com.example.app:/oauth2redirect", "form-action 'self' com.example.app:;"},
		{"", "form-action 'self';"},
		{"not a url", "form-action 'self';"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		w.Header().Set("Content-Security-Policy", base)
		allowFormTarget(w, tt.redirect)
		if got := w.Header().Get("Content-Security-Policy"); !strings.Contains(got, tt.want) {
			t.Errorf("redirect %q: CSP %q, want it to contain %q", tt.redirect, got, tt.want)
		}
	}
}

func TestCSRF(t *testing.T) {
	c := Cookies{}
	w := httptest.NewRecorder()
	tok, err := c.CSRFToken(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if err != nil || len(tok) != 43 {
		t.Fatalf("token %q err %v", tok, err)
	}
	cookie := w.Result().Cookies()[0]
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie flags: %+v", cookie)
	}
	tests := []struct {
		name   string
		cookie string
		posted string
		want   bool
	}{
		{"matching", tok, tok, true},
		{"missing field", tok, "", false},
		{"missing cookie", "", tok, false},
		{"different", tok, strings.Repeat("a", 43), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(url.Values{csrfField: {tt.posted}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: csrfCookie, Value: tt.cookie})
			}
			if got := c.CheckCSRF(r); got != tt.want {
				t.Fatalf("CheckCSRF = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSecureCookiesUseHostPrefix(t *testing.T) {
	w := httptest.NewRecorder()
	Cookies{Secure: true}.Set(w, sessionCookie, "v", time.Hour)
	ck := w.Result().Cookies()[0]
	if ck.Name != "__Host-admit_session" || !ck.Secure || ck.Path != "/" || ck.Domain != "" {
		t.Fatalf("cookie %+v", ck)
	}
}

func TestLogoutURLIsSigned(t *testing.T) {
	signer, err := signed.New([]byte("0123456789abcdef0123456789abcdef"), "logout redirect", nil)
	if err != nil {
		t.Fatal(err)
	}
	l := &Logout{Signer: signer}
	u, _ := url.Parse(l.URL(withEndingSession(context.Background(), "sess-1"), "https://app.example.com/bye?state=s"))
	q := u.Query()
	if q.Get("to") != "https://app.example.com/bye?state=s" || signer.VerifyDetached(logoutPayload("sess-1", q.Get("to")), q.Get("sig")) != nil {
		t.Fatalf("logout URL %s", u)
	}
	if signer.VerifyDetached(logoutPayload("sess-1", "https://evil.example/"), q.Get("sig")) == nil {
		t.Fatal("signature does not depend on the target")
	}
	for _, sid := range []string{"", "sess-2"} {
		if signer.VerifyDetached(logoutPayload(sid, q.Get("to")), q.Get("sig")) == nil {
			t.Fatalf("signature made for session sess-1 verifies for session %q", sid)
		}
	}
}

// TestIPPrefix: per-address limits count IPv4 addresses one by one and
// IPv6 addresses per /64, which one host usually holds whole.
func TestIPPrefix(t *testing.T) {
	for _, c := range []struct{ ip, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"::ffff:192.0.2.7", "::ffff:192.0.2.7"},
		{"not an address", "not an address"},
	} {
		if got := IPPrefix(c.ip); got != c.want {
			t.Errorf("IPPrefix(%q) = %q, want %q", c.ip, got, c.want)
		}
	}
}
