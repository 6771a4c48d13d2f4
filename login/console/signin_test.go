package console

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/memory"
	"github.com/admit-idp/admit/storage/roles"
)

// issuer is a stand-in for Admit's own issuer: it serves /keys and a token
// endpoint that answers the ID token the test sets.
type issuer struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	mu  sync.Mutex
	// claims of the next ID token (iss and exp are filled in).
	claims map[string]any
	// verifier is the code_verifier the last token request carried.
	verifier string
}

func newIssuer(t *testing.T) *issuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		is.mu.Lock()
		defer is.mu.Unlock()
		is.verifier = r.PostFormValue("code_verifier")
		signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1").WithType("JWT"))
		c := map[string]any{"iss": is.srv.URL, "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
		for k, v := range is.claims {
			c[k] = v
		}
		raw, _ := jwt.Signed(signer).Claims(c).Serialize()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": raw})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

type signinFixture struct {
	h     *Handler
	is    *issuer
	audit *recorded
	admin storage.User
	plain storage.User
}

type recorded struct {
	mu     sync.Mutex
	events []storage.AuditEvent
}

func (r *recorded) Record(_ context.Context, e storage.AuditEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func newSigninFixture(t *testing.T) *signinFixture {
	ctx := context.Background()
	now := time.Now
	mem := memory.New(now)
	rec := &recorded{}
	svc := &admin.Service{Store: mem, Catalogue: roles.Default(), Audit: rec, Now: now}
	mk := func(email string) storage.User {
		u, err := svc.CreateUser(ctx, admin.CLI(), storage.DefaultTenantID, admin.NewUser{Email: email})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f := &signinFixture{is: newIssuer(t), audit: rec, admin: mk("root@example.com"), plain: mk("nobody@example.com")}
	if _, err := mem.PutRoleGrant(ctx, storage.RoleGrant{ID: "g1", TenantID: storage.DefaultTenantID, UserID: f.admin.ID, Role: roles.Admin,
		GrantedBy: "cli", GrantedAt: now()}); err != nil {
		t.Fatal(err)
	}
	s, err := signed.New(make([]byte, 32), "console session", now)
	if err != nil {
		t.Fatal(err)
	}
	f.h = &Handler{Admin: &admin.Console{Service: svc, Store: mem}, Issuer: f.is.srv.URL, Signer: s, Users: mem, Now: now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Client: func(context.Context, string) (string, error) { return ClientID, nil }}
	return f
}

// start runs GET /console/login and returns the cookies and the
// authorization request's parameters.
func (f *signinFixture) start(t *testing.T) ([]*http.Cookie, url.Values) {
	t.Helper()
	w := httptest.NewRecorder()
	f.h.Routes().ServeHTTP(w, httptest.NewRequest("GET", "/login", nil))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login: %d", w.Code)
	}
	loc, _ := url.Parse(w.Header().Get("Location"))
	q := loc.Query()
	if loc.Path != "/authorize" || q.Get("code_challenge_method") != "S256" || q.Get("client_id") != ClientID ||
		q.Get("acr_values") != login.ACRMultiFactor || q.Get("redirect_uri") != f.is.srv.URL+CallbackPath {
		t.Fatalf("authorization request: %s", loc)
	}
	return w.Result().Cookies(), q
}

func (f *signinFixture) callback(t *testing.T, cookies []*http.Cookie, state string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", "/callback?code=c1&state="+url.QueryEscape(state), nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	f.h.Routes().ServeHTTP(w, r)
	return w
}

// TestSignInChecks: the callback admits only an ID token of the issuer for
// the console client, with the request's nonce, "mfa" in amr, and a user
// holding a console role; the state must match and the PKCE verifier is
// sent. OpenID Connect Core 1.0 §3.1.3.7; RFC 7636 §4.5; RFC 8176 §2.
func TestSignInChecks(t *testing.T) {
	mfa := []string{"pwd", "otp", "mfa"}
	for _, tc := range []struct {
		name       string
		claims     func(f *signinFixture, nonce string) map[string]any
		badState   bool
		wantStatus int
		wantTestID string
	}{
		{"ok", func(f *signinFixture, n string) map[string]any {
			return map[string]any{"sub": f.admin.ID, "aud": ClientID, "nonce": n, "amr": mfa}
		}, false, http.StatusSeeOther, ""},
		{"one factor", func(f *signinFixture, n string) map[string]any {
			return map[string]any{"sub": f.admin.ID, "aud": ClientID, "nonce": n, "amr": []string{"pwd"}}
		}, false, http.StatusForbidden, "mfa-required"},
		{"other nonce", func(f *signinFixture, _ string) map[string]any {
			return map[string]any{"sub": f.admin.ID, "aud": ClientID, "nonce": "other", "amr": mfa}
		}, false, http.StatusBadGateway, "signin-failed"},
		{"other audience", func(f *signinFixture, n string) map[string]any {
			return map[string]any{"sub": f.admin.ID, "aud": "demo-app", "nonce": n, "amr": mfa}
		}, false, http.StatusBadGateway, "signin-failed"},
		{"other state", func(f *signinFixture, n string) map[string]any {
			return map[string]any{"sub": f.admin.ID, "aud": ClientID, "nonce": n, "amr": mfa}
		}, true, http.StatusBadRequest, "signin-expired"},
		{"no console role", func(f *signinFixture, n string) map[string]any {
			return map[string]any{"sub": f.plain.ID, "aud": ClientID, "nonce": n, "amr": mfa}
		}, false, http.StatusForbidden, "no-console-role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSigninFixture(t)
			cookies, q := f.start(t)
			f.is.claims = tc.claims(f, q.Get("nonce"))
			state := q.Get("state")
			if tc.badState {
				state += "x"
			}
			w := f.callback(t, cookies, state)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.wantStatus, w.Body)
			}
			if tc.wantTestID != "" && !strings.Contains(w.Body.String(), `data-testid="`+tc.wantTestID+`"`) {
				t.Fatalf("page lacks %s: %s", tc.wantTestID, w.Body)
			}
			var session *http.Cookie
			for _, c := range w.Result().Cookies() {
				if c.Name == sessionCookie && c.Value != "" {
					session = c
				}
			}
			if (session != nil) != (tc.wantStatus == http.StatusSeeOther) {
				t.Fatalf("session cookie %v", session)
			}
			if session != nil && (!session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.MaxAge != int(DefaultIdleTimeout.Seconds())) {
				t.Fatalf("session cookie attributes: %+v", session)
			}
			if !tc.badState && f.is.verifier == "" {
				t.Fatal("no PKCE verifier sent")
			}
			if tc.name == "no console role" {
				last := f.audit.events[len(f.audit.events)-1]
				if last.Event != "admin.refused" || last.ActorID != f.plain.ID || last.Details["operation"] != "console sign-in" {
					t.Fatalf("refusal audit: %+v", f.audit.events)
				}
			}
		})
	}
}
