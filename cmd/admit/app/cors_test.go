package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/storage"
)

// corsRequest sends method to path from origin (a preflight when method is
// OPTIONS) and returns the answer's status and headers.
func corsRequest(t *testing.T, e *env, method, path, origin string) (int, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, e.issuer+path, strings.NewReader("token=x"))
	req.Header.Set("Origin", origin)
	if method == http.MethodOptions {
		req.Header.Set("Access-Control-Request-Method", http.MethodPost)
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp := mustDo(t, req)
	return resp.StatusCode, resp.Header
}

// TestCORSAllowsOnlyRegisteredOrigins: at the token, userinfo, revocation
// and introspection endpoints a browser gets CORS headers only on pages of
// an origin some client registered a redirect URI under (preflight and
// request), never with Access-Control-Allow-Credentials; any other origin
// gets none. Discovery and JWKS are public: "*", without credentials. A
// newly registered client's origin is allowed once the cached set expires.
func TestCORSAllowsOnlyRegisteredOrigins(t *testing.T) {
	e := newEnv(t, memoryBackend)
	const registered, evil = "http://127.0.0.1:5555", "https://evil.example"
	for _, path := range []string{"/oauth/token", "/userinfo", "/revoke", "/oauth/introspect"} {
		for _, method := range []string{http.MethodOptions, http.MethodPost} {
			status, h := corsRequest(t, e, method, path, registered)
			if h.Get("Access-Control-Allow-Origin") != registered || h.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("%s %s from a registered origin: status %d, Allow-Origin %q, Allow-Credentials %q",
					method, path, status, h.Get("Access-Control-Allow-Origin"), h.Get("Access-Control-Allow-Credentials"))
			}
			if method == http.MethodOptions && (status >= 300 || !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization")) {
				t.Errorf("preflight %s: status %d, Allow-Headers %q", path, status, h.Get("Access-Control-Allow-Headers"))
			}
			status, h = corsRequest(t, e, method, path, evil)
			if h.Get("Access-Control-Allow-Origin") != "" || h.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("%s %s from another origin: status %d, Allow-Origin %q, Allow-Credentials %q",
					method, path, status, h.Get("Access-Control-Allow-Origin"), h.Get("Access-Control-Allow-Credentials"))
			}
		}
	}
	for _, path := range []string{"/.well-known/openid-configuration", "/keys"} {
		for _, method := range []string{http.MethodOptions, http.MethodGet} {
			status, h := corsRequest(t, e, method, path, evil)
			if status >= 300 || h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("%s %s: status %d, Allow-Origin %q, Allow-Credentials %q",
					method, path, status, h.Get("Access-Control-Allow-Origin"), h.Get("Access-Control-Allow-Credentials"))
			}
		}
	}

	const spa = "https://spa.example.com"
	c := storage.Client{ID: "new-spa", TenantID: storage.DefaultTenantID, Name: "SPA", Public: true, AuthMethod: storage.AuthMethodNone,
		RedirectURIs: []string{spa + ":443/callback"}, GrantTypes: []string{"authorization_code"}, Scopes: []string{"openid"}, CreatedAt: e.clock.Now()}
	if err := e.app.Stores.Durable.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	if _, h := corsRequest(t, e, http.MethodOptions, "/oauth/token", spa); h.Get("Access-Control-Allow-Origin") != spa {
		t.Errorf("a new client's origin: Allow-Origin %q", h.Get("Access-Control-Allow-Origin"))
	}
}
