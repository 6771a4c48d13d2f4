package endpoints

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// These tests drive the middlewares on their own, with fakes for the narrow
// dependencies Protocol declares; the end-to-end tests in cmd/admit/app
// drive them behind zitadel's op.

type fakeClients struct{ clients map[string]storage.Client }

func (f fakeClients) GetClient(_ context.Context, id string) (storage.Client, error) {
	if c, ok := f.clients[id]; ok {
		return c, nil
	}
	return storage.Client{}, storage.ErrNotFound
}

type errorPage struct {
	status     int
	title, msg string
}

type fakePages struct{ errors []errorPage }

func (f *fakePages) ErrorPage(_ http.ResponseWriter, _ *http.Request, status int, title, msg string) {
	f.errors = append(f.errors, errorPage{status, title, msg})
}
func (f *fakePages) RequestGone(http.ResponseWriter, *http.Request, error) {}
func (f *fakePages) Unavailable(http.ResponseWriter, *http.Request, error) {}

// markPage is a PageHeaders that shows it was applied.
func markPage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Page", "1")
		next.ServeHTTP(w, r)
	})
}

// nextCalled is the wrapped handler: it records that it ran and the
// request it saw.
type nextCalled struct {
	ran bool
	r   *http.Request
}

func (n *nextCalled) ServeHTTP(w http.ResponseWriter, r *http.Request) { n.ran, n.r = true, r }

// TestAuthorizeParamError: the parameters op would misreport get the
// spec's errors (RFC 6749 §4.1.2.1, OIDC Core 6.1/6.2); a well-formed
// request gets none.
func TestAuthorizeParamError(t *testing.T) {
	base := "client_id=c&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
	for _, tc := range []struct{ query, want string }{
		{base, ""},
		{base + "&max_age=0", ""},
		{"redirect_uri=https%3A%2F%2Fapp.example%2Fcb", "invalid_request"},
		{"client_id=c", "invalid_request"},
		{base + "&max_age=-1", "invalid_request"},
		{base + "&max_age=1.5", "invalid_request"},
		{base + "&request_uri=urn%3Ax", "request_uri_not_supported"},
		{base + "&request=eyJ", "request_not_supported"},
	} {
		q, _ := url.ParseQuery(tc.query)
		got := ""
		if e := authorizeParamError(q); e != nil {
			got = string(e.ErrorType)
		}
		if got != tc.want {
			t.Errorf("%s: error %q, want %q", tc.query, got, tc.want)
		}
	}
}

// TestAuthorizeParamsNeverRedirectsToUnregisteredURI: a refused request
// whose redirect URI the client did not register gets the error page (with
// the pages' headers), never a redirect; a well-formed request reaches op.
func TestAuthorizeParamsNeverRedirectsToUnregisteredURI(t *testing.T) {
	pages := &fakePages{}
	p := &Protocol{PageHeaders: markPage, Pages: pages, Clients: fakeClients{map[string]storage.Client{
		"c": {ID: "c", RedirectURIs: []string{"https://app.example/cb"}},
	}}}
	next := &nextCalled{}
	h := p.AuthorizeParams(next)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/authorize?client_id=c&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&request_uri=urn%3Ax", nil))
	if next.ran || len(pages.errors) != 1 || pages.errors[0].status != http.StatusBadRequest ||
		!strings.Contains(pages.errors[0].msg, "request_uri is not supported") {
		t.Fatalf("next ran %v, error pages %+v", next.ran, pages.errors)
	}
	if w.Header().Get("X-Page") != "1" || w.Header().Get("Location") != "" {
		t.Errorf("headers %v: want the pages' headers and no redirect", w.Header())
	}

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/authorize?client_id=c&redirect_uri=https%3A%2F%2Fapp.example%2Fcb", nil))
	if !next.ran || len(pages.errors) != 1 {
		t.Errorf("well-formed request: next ran %v, error pages %+v", next.ran, pages.errors)
	}
}

func oauthError(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not JSON: %v", w.Body.String(), err)
	}
	return body["error"]
}

func tokenRequest(form url.Values, basic bool) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		r.SetBasicAuth("c", "s")
	}
	return r
}

// TestClientAuthRefusesTwoMethods: Basic and client_secret together are
// invalid_request (RFC 6749 §2.3) and never reach op.
func TestClientAuthRefusesTwoMethods(t *testing.T) {
	next := &nextCalled{}
	w := httptest.NewRecorder()
	ClientAuth(next).ServeHTTP(w, tokenRequest(url.Values{"client_secret": {"s"}}, true))
	if next.ran || w.Code != http.StatusBadRequest || oauthError(t, w) != "invalid_request" {
		t.Errorf("next ran %v, status %d, body %s", next.ran, w.Code, w.Body)
	}
}

// TestClientAuthChallengesEvery401: op's 401 gets a Basic challenge (RFC
// 6749 §5.2, RFC 9110 §15.5.2).
func TestClientAuthChallengesEvery401(t *testing.T) {
	w := httptest.NewRecorder()
	ClientAuth(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	})).ServeHTTP(w, tokenRequest(url.Values{"client_id": {"c"}, "client_secret": {"s"}}, false))
	if w.Code != http.StatusUnauthorized || w.Header().Get("WWW-Authenticate") != `Basic realm="admit"` {
		t.Errorf("status %d, WWW-Authenticate %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
}

// TestIntrospectionClientAuthHandsPostSecretAsBasic: op's introspection
// reads Basic only, so a form secret is handed over as Basic credentials
// (form-encoded, RFC 6749 §2.3.1) and removed from the form.
func TestIntrospectionClientAuthHandsPostSecretAsBasic(t *testing.T) {
	next := &nextCalled{}
	IntrospectionClientAuth(next).ServeHTTP(httptest.NewRecorder(),
		tokenRequest(url.Values{"client_id": {"c:1"}, "client_secret": {"s&t"}, "token": {"x"}}, false))
	if !next.ran {
		t.Fatal("next did not run")
	}
	id, secret, ok := next.r.BasicAuth()
	if !ok || id != url.QueryEscape("c:1") || secret != url.QueryEscape("s&t") || next.r.Form.Has("client_secret") {
		t.Errorf("Basic %q %q %v, form %v", id, secret, ok, next.r.Form)
	}
}

// TestErrorRewriters: userinfo's refusals are 401 invalid_token with a
// Bearer challenge (RFC 6750 §3.1), introspection's 401 is invalid_client
// JSON (RFC 7662 §2.3); other answers pass through untouched.
func TestErrorRewriters(t *testing.T) {
	answer := func(status int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
			_, _ = w.Write([]byte("op's text"))
		})
	}
	for _, tc := range []struct {
		name       string
		mw         func(http.Handler) http.Handler
		opStatus   int
		wantStatus int
		wantError  string
		wantChall  string
	}{
		{"userinfo 403", BearerErrors, http.StatusForbidden, 401, "invalid_token", "Bearer "},
		{"userinfo 401", BearerErrors, http.StatusUnauthorized, 401, "invalid_token", "Bearer "},
		{"userinfo 200", BearerErrors, http.StatusOK, 200, "", ""},
		{"introspect 401", ClientAuthErrors, http.StatusUnauthorized, 401, "invalid_client", "Basic "},
		{"introspect 400", ClientAuthErrors, http.StatusBadRequest, 400, "", ""},
	} {
		w := httptest.NewRecorder()
		tc.mw(answer(tc.opStatus)).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		if w.Code != tc.wantStatus || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), tc.wantChall) {
			t.Errorf("%s: status %d, WWW-Authenticate %q", tc.name, w.Code, w.Header().Get("WWW-Authenticate"))
			continue
		}
		if tc.wantError == "" {
			if w.Body.String() != "op's text" {
				t.Errorf("%s: body %q, want op's answer", tc.name, w.Body)
			}
		} else if got := oauthError(t, w); got != tc.wantError {
			t.Errorf("%s: error %q, want %q", tc.name, got, tc.wantError)
		}
	}
}

func TestWebOrigin(t *testing.T) {
	for raw, want := range map[string]string{
		"https://App.example:443/cb":   "https://app.example",
		"http://localhost:8080/cb":     "http://localhost:8080",
		"http://[::1]:80/cb":           "http://[::1]",
		"com.example.app:/oauth2redir": "",
		"https:///nohost":              "",
	} {
		if got := webOrigin(raw); got != want {
			t.Errorf("webOrigin(%q) = %q, want %q", raw, got, want)
		}
	}
}

type countingLister struct {
	calls   int
	clients []storage.Client
	err     error
}

func (c *countingLister) ListClients(context.Context) ([]storage.Client, error) {
	c.calls++
	return c.clients, c.err
}

// TestCORSOriginsReadsClientsOncePerTTL: the origins are the clients'
// registered redirect origins, read once per corsTTL; a failed read keeps
// the previous set.
func TestCORSOriginsReadsClientsOncePerTTL(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	list := &countingLister{clients: []storage.Client{{RedirectURIs: []string{"https://app.example/cb"}}}}
	c := &CORSOrigins{Clients: list, Now: func() time.Time { return now }, Logger: discardLogger()}
	ctx := context.Background()
	if !c.allowed(ctx, "https://app.example") || c.allowed(ctx, "https://evil.example") || list.calls != 1 {
		t.Fatalf("first reads: calls %d", list.calls)
	}
	now = now.Add(corsTTL)
	list.err = errors.New("database down")
	if !c.allowed(ctx, "https://app.example") || list.calls != 2 {
		t.Errorf("after a failed read: calls %d, want the previous set kept", list.calls)
	}
}

type fakeEncoder struct{}

func (fakeEncoder) Encode(_ any, dst map[string][]string) error {
	dst["code"] = []string{"c"}
	return nil
}

// TestIssEncoderAddsIss: every parameter set op encodes for an
// authorization response gets iss (RFC 9207 §2).
func TestIssEncoderAddsIss(t *testing.T) {
	dst := map[string][]string{}
	if err := (issEncoder{Encoder: fakeEncoder{}, issuer: "https://id.example"}).Encode(nil, dst); err != nil {
		t.Fatal(err)
	}
	if iss, code := dst["iss"], dst["code"]; len(iss) != 1 || iss[0] != "https://id.example" || len(code) != 1 {
		t.Errorf("parameters %v", dst)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// tokenResponse states the bound token's type and exactly the access
// token's scopes, and leaves alone what it cannot or need not change.
func TestTokenResponse(t *testing.T) {
	const op = `{"access_token":"at","token_type":"Bearer","expires_in":300,"scope":"openid offline_access tickets:read"}`
	for _, c := range []struct {
		name   string
		body   string
		bound  bool
		scopes []string
		issued bool
		want   map[string]any // nil: the body unchanged
	}{
		{"nothing to state", op, false, nil, false, nil},
		{"narrowed scope", op, false, []string{"tickets:read"}, true,
			map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300.0, "scope": "tickets:read"}},
		{"bound and narrowed", op, true, []string{"tickets:read"}, true,
			map[string]any{"access_token": "at", "token_type": "DPoP", "expires_in": 300.0, "scope": "tickets:read"}},
		{"bound only", op, true, nil, false,
			map[string]any{"access_token": "at", "token_type": "DPoP", "expires_in": 300.0, "scope": "openid offline_access tickets:read"}},
		{"token without scopes", op, false, nil, true,
			map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300.0}},
		{"scope added when op left it out", `{"access_token":"at","token_type":"Bearer"}`, false, []string{"a", "b"}, true,
			map[string]any{"access_token": "at", "token_type": "Bearer", "scope": "a b"}},
		{"scope already exact", op, false, []string{"openid", "offline_access", "tickets:read"}, true, nil},
		{"not JSON", `not json`, true, []string{"a"}, true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := tokenResponse([]byte(c.body), c.bound, c.scopes, c.issued)
			if c.want == nil {
				if string(out) != c.body {
					t.Fatalf("body changed to %s", out)
				}
				return
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			if g, w := mustJSON(t, got), mustJSON(t, c.want); g != w {
				t.Fatalf("got %s, want %s", g, w)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
