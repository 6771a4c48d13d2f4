package app_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
)

// TestBrowserLogin signs the demo user in with headless Chromium through a
// real relying party: the RP's own pages, Admit's login and consent pages,
// the code exchange, ID token verification and userinfo. The in-process
// tests drive the same flow with net/http; this one catches what only a
// browser enforces (CSP, form and redirect handling, the stylesheet).
func TestBrowserLogin(t *testing.T) {
	e := newEnv(t, memoryBackend)
	rp := newBrowserRP(t, e)
	// ArtifactDir survives the run with `go test -artifacts`, so people can
	// look at the screenshots; otherwise it is a temporary directory.
	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)

	results := browsertest.Run(t, "scripts/login.mjs", map[string]string{
		"START_URL":      rp.srv.URL + "/start",
		"EMAIL":          app.DemoUserEmail,
		"PASSWORD":       app.DemoUserPassword,
		"SCREENSHOT_DIR": shots,
		// Fails the script on console errors, which is where Chromium
		// reports CSP violations, and on subresources that did not load.
		"STRICT_CONSOLE": "1",
	})
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1: %s", len(results), results)
	}
	var res struct{ URL, Body string }
	if err := json.Unmarshal(results[0], &res); err != nil {
		t.Fatalf("result: %v", err)
	}

	t.Run("callback", func(t *testing.T) { checkCallback(t, rp, res.URL, res.Body) })
	t.Run("screenshots", func(t *testing.T) {
		for _, name := range []string{"login-page.png", "consent-page.png"} {
			checkPNG(t, filepath.Join(shots, name))
		}
	})
	// STRICT_CONSOLE only proves something if the pages carried a policy
	// strict enough to be violated.
	t.Run("csp", func(t *testing.T) { checkLoginPageCSP(t, rp) })
}

// verifiedClaims is what the RP's callback page shows.
type verifiedClaims struct {
	IDToken  map[string]any `json:"id_token"`
	UserInfo map[string]any `json:"userinfo"`
}

func checkCallback(t *testing.T, rp *browserRP, rawURL, body string) {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != rp.host || u.Path != "/callback" {
		t.Fatalf("browser ended at %s, want %s/callback; page: %s", rawURL, rp.srv.URL, body)
	}
	c := parseClaims(t, body)
	id, ui := c.IDToken, c.UserInfo
	// With an access token issued, scope claims such as email come from
	// userinfo (OIDC Core 5.4); the ID token may carry them, but then they
	// must agree.
	if ui["email"] != app.DemoUserEmail {
		t.Errorf("userinfo email = %v, want %s", ui["email"], app.DemoUserEmail)
	}
	if e, ok := id["email"]; ok && e != app.DemoUserEmail {
		t.Errorf("id token email = %v, want %s", e, app.DemoUserEmail)
	}
	if sub, _ := id["sub"].(string); sub == "" || ui["sub"] != sub {
		t.Errorf("sub: id token %v, userinfo %v, want the same non-empty subject", id["sub"], ui["sub"])
	}
	amr, _ := json.Marshal(id["amr"])
	if string(amr) != `["pwd"]` {
		t.Errorf(`amr = %s, want ["pwd"]`, amr)
	}
	if !slices.Contains(audiences(id["aud"]), rp.clientID) {
		t.Errorf("aud = %v, want it to contain %s", id["aud"], rp.clientID)
	}
}

// parseClaims reads the JSON the callback page shows in <pre id="claims">;
// the heading before it holds no '{', so the first brace starts the JSON.
func parseClaims(t *testing.T, body string) verifiedClaims {
	t.Helper()
	i := strings.Index(body, "{")
	if i < 0 {
		t.Fatalf("callback page shows no claims: %s", body)
	}
	var c verifiedClaims
	if err := json.NewDecoder(strings.NewReader(body[i:])).Decode(&c); err != nil {
		t.Fatalf("claims on the callback page: %v\n%s", err, body)
	}
	return c
}

// audiences accepts both forms of "aud": a string or an array of strings.
func audiences(aud any) []string {
	switch v := aud.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, a := range v {
			if s, ok := a.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// checkPNG fails unless path is a decodable PNG with a non-zero size.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s is not a PNG: %v", path, err)
		return
	}
	if cfg.Width == 0 || cfg.Height == 0 {
		t.Errorf("%s is %dx%d", path, cfg.Width, cfg.Height)
	}
}

// checkLoginPageCSP follows the RP's /start to Admit's login page without a
// browser and checks the policy the page is served with forbids inline code.
func checkLoginPageCSP(t *testing.T, rp *browserRP) {
	resp, err := http.Get(rp.srv.URL + "/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login" {
		t.Fatalf("/start led to %s (status %d), want Admit's login page", resp.Request.URL, resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("login page %s (status %d) CSP %q lacks %q", resp.Request.URL, resp.StatusCode, csp, want)
		}
	}
}

// browserRP is a relying party web app the browser can visit: go-oidc for
// discovery and verification, x/oauth2 for PKCE and the code exchange.
type browserRP struct {
	srv      *httptest.Server
	host     string
	clientID string
	oauth    oauth2.Config
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier

	mu      sync.Mutex
	pending map[string]pendingAuth // by state; each is used once
}

// pendingAuth is what the RP keeps server-side for one authorization request.
type pendingAuth struct{ nonce, verifier string }

// newBrowserRP starts the RP and registers it with Admit as a confidential,
// third-party client, so the consent page is shown. Its registered
// redirect URI is on another origin that redirects on to the RP's
// /callback, as applications behind a login gateway do: every browser test
// that signs in through it proves the login reaches the application
// whatever its callback does next (CSP form-action, see login.Continue).
func newBrowserRP(t *testing.T, e *env) *browserRP {
	return newBrowserRPWith(t, e, browserRPOptions{Hops: 1})
}

// browserRPOptions vary the RP: how many other origins its registered
// callback passes through before the RP's own /callback, and whether it is
// first-party (no consent page, so the password POST ends the login).
type browserRPOptions struct {
	Hops       int
	FirstParty bool
	// ClientID, Name and Scopes default to a third-party "Browser RP"
	// asking for openid, profile and email.
	ClientID, Name string
	Scopes         []string
}

func newBrowserRPWith(t *testing.T, e *env, o browserRPOptions) *browserRP {
	t.Helper()
	// The callback URL must be registered before the RP can serve, so take
	// the port first and start the server once everything is configured.
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	redirectURL := onwardRedirects(t, base+"/callback", o.Hops)
	clientID := cmp.Or(o.ClientID, fmt.Sprintf("browser-rp-%d", o.Hops))
	if o.FirstParty {
		clientID += "-first-party"
	}
	scopes := o.Scopes
	if scopes == nil {
		scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	secret, err := e.app.AddClient(context.Background(), app.ClientSpec{
		ID: clientID, Name: cmp.Or(o.Name, "Browser RP"), RedirectURIs: []string{redirectURL}, FirstParty: o.FirstParty,
		Grants: []string{"authorization_code"}, Scopes: scopes,
	})
	if err != nil {
		t.Fatalf("register RP: %v", err)
	}
	p, err := oidc.NewProvider(context.Background(), e.issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	rp := &browserRP{
		srv: srv, host: srv.Listener.Addr().String(), clientID: clientID, provider: p,
		oauth: oauth2.Config{
			ClientID: clientID, ClientSecret: secret, Endpoint: p.Endpoint(),
			RedirectURL: redirectURL, Scopes: scopes,
		},
		// Admit's clock is frozen for the test; tokens are checked against it.
		verifier: p.Verifier(&oidc.Config{ClientID: clientID, Now: e.clock.Now}),
		pending:  map[string]pendingAuth{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /start", rp.start)
	mux.HandleFunc("GET /callback", rp.callback)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return rp
}

// onwardRedirects returns a URL on a new origin that redirects (302, query
// kept) through hops-1 further new origins to final; with hops 0 it is
// final itself.
func onwardRedirects(t *testing.T, final string, hops int) string {
	t.Helper()
	next := final
	for range hops {
		to := next
		hop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, to+"?"+r.URL.RawQuery, http.StatusFound)
		}))
		t.Cleanup(hop.Close)
		next = hop.URL + "/cb"
	}
	return next
}

// start begins an authorization request with PKCE S256, state and nonce.
func (rp *browserRP) start(w http.ResponseWriter, r *http.Request) {
	state, pa := randomString(), pendingAuth{nonce: randomString(), verifier: oauth2.GenerateVerifier()}
	rp.mu.Lock()
	rp.pending[state] = pa
	rp.mu.Unlock()
	http.Redirect(w, r, rp.oauth.AuthCodeURL(state, oidc.Nonce(pa.nonce), oauth2.S256ChallengeOption(pa.verifier)), http.StatusFound)
}

// take returns and forgets the request for state, so a replayed callback fails.
func (rp *browserRP) take(state string) (pendingAuth, bool) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	pa, ok := rp.pending[state]
	delete(rp.pending, state)
	return pa, ok
}

// callback finishes the login and shows the verified claims.
func (rp *browserRP) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		rpError(w, http.StatusBadRequest, "authorization failed: "+e+": "+q.Get("error_description"))
		return
	}
	pa, ok := rp.take(q.Get("state"))
	if !ok {
		rpError(w, http.StatusBadRequest, "unknown or reused state")
		return
	}
	claims, err := rp.finish(r.Context(), q.Get("code"), pa)
	if err != nil {
		rpError(w, http.StatusBadGateway, err.Error())
		return
	}
	out, _ := json.MarshalIndent(claims, "", "  ")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = claimsPage.Execute(w, string(out))
}

// finish exchanges the code, verifies the ID token and calls userinfo.
func (rp *browserRP) finish(ctx context.Context, code string, pa pendingAuth) (verifiedClaims, error) {
	var c verifiedClaims
	tok, err := rp.oauth.Exchange(ctx, code, oauth2.VerifierOption(pa.verifier))
	if err != nil {
		return c, err
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		return c, err
	}
	if idt.Nonce != pa.nonce {
		return c, fmt.Errorf("id token nonce %q does not match the request's", idt.Nonce)
	}
	if err := idt.Claims(&c.IDToken); err != nil {
		return c, err
	}
	ui, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return c, err
	}
	return c, ui.Claims(&c.UserInfo)
}

func rpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("RP error: " + msg))
}

// claimsPage has no braces before the <pre>; parseClaims relies on that.
// The data: icon keeps Chromium from asking the RP for a favicon.
var claimsPage = template.Must(template.New("claims").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Browser RP</title><link rel="icon" href="data:,"></head>
<body><h1>Signed in</h1><pre id="claims">{{.}}</pre></body></html>
`))
