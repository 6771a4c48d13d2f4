package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/admit-idp/admit/cmd/admit/app"
)

// codeFor logs the demo user in and returns the code.
func codeFor(t testing.TB, e *env, r *rp, opts ...oauth2.AuthCodeOption) (string, authRequest, *browser) {
	t.Helper()
	ar := r.start(opts...)
	br := e.browser()
	cb := br.login(ar, app.DemoUserEmail, app.DemoUserPassword)
	return cb.Query().Get("code"), ar, br
}

func TestCodeIsSingleUseAndReplayRevokesTheGrant(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	code, ar, _ := codeFor(t, e, r)
	tok, err := r.exchange(code, ar)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.exchange(code, ar); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("second exchange: err = %v, want invalid_grant", err)
	}
	if r.introspect(tok.AccessToken)["active"] != false {
		t.Fatal("access token of the first exchange still active after code replay")
	}
	if _, err := r.refresh(tok.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("refresh token of the first exchange: err = %v, want invalid_grant", err)
	}
}

func TestCodeExchangeRefusals(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	tests := []struct {
		name   string
		mutate func(code *string, ar *authRequest, cfg *oauth2.Config)
		want   string
	}{
		{"expired code", func(*string, *authRequest, *oauth2.Config) { e.clock.Advance(61 * time.Second) }, "invalid_grant"},
		{"wrong PKCE verifier", func(_ *string, ar *authRequest, _ *oauth2.Config) { ar.verifier = oauth2.GenerateVerifier() }, "invalid_grant"},
		{"unknown code", func(c *string, _ *authRequest, _ *oauth2.Config) { *c = "not-a-code" }, "invalid_grant"},
		{"wrong client secret", func(_ *string, _ *authRequest, cfg *oauth2.Config) { cfg.ClientSecret = "nope" }, "invalid_client"},
		{"other redirect URI", func(_ *string, _ *authRequest, cfg *oauth2.Config) {
			cfg.RedirectURL = "http://localhost:5555/callback"
		}, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, ar, _ := codeFor(t, e, r)
			cfg := r.oauth
			tt.mutate(&code, &ar, &cfg)
			_, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(ar.verifier))
			if !isOAuthError(err, tt.want) {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestWrongClientSecretIs401(t *testing.T) {
	e := newEnv(t, memoryBackend)
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(app.DemoClientID, "wrong")
	resp := mustDo(t, req)
	if resp.StatusCode != http.StatusUnauthorized || oauthError(t, resp) != "invalid_client" {
		t.Fatalf("status %d, want 401 invalid_client", resp.StatusCode)
	}
}

func TestPublicClientPKCE(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoSPAID, "")
	t.Run("S256 without a secret works", func(t *testing.T) {
		code, ar, _ := codeFor(t, e, r)
		if _, err := r.exchange(code, ar); err != nil {
			t.Fatalf("exchange: %v", err)
		}
	})
	for name, q := range map[string]url.Values{
		"no code_challenge": {},
		"plain method":      {"code_challenge": {"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqr"}, "code_challenge_method": {"plain"}},
	} {
		t.Run(name, func(t *testing.T) {
			p := e.browser().get(authorizeURL(e, app.DemoSPAID, rpCallback, q))
			if p.location == nil || p.location.Query().Get("error") != "invalid_request" || p.location.Query().Get("state") != "s1" {
				t.Fatalf("want a redirect with error=invalid_request and the state, got %d %v", p.status, p.location)
			}
		})
	}
}

func authorizeURL(e *env, clientID, redirect string, extra url.Values) string {
	q := url.Values{"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"}, "state": {"s1"}, "nonce": {"n1"}}
	for k, v := range extra {
		q[k] = v
	}
	return e.issuer + "/authorize?" + q.Encode()
}

func TestAuthorizeNeverRedirectsToUnregisteredURIs(t *testing.T) {
	e := newEnv(t, memoryBackend)
	for name, u := range map[string]string{
		"unregistered redirect": authorizeURL(e, app.DemoClientID, "https://evil.example/callback", nil),
		"prefix of registered":  authorizeURL(e, app.DemoClientID, rpCallback+"/extra", nil),
		"unknown client":        authorizeURL(e, "no-such-client", rpCallback, nil),
	} {
		t.Run(name, func(t *testing.T) {
			p := e.browser().get(u)
			if p.status != http.StatusBadRequest || p.location != nil {
				t.Fatalf("status %d location %v, want 400 and no redirect", p.status, p.location)
			}
			// Not op's plain text: the styled error page, with the request
			// id to quote to support.
			if !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") || p.testid("error-title").Length() != 1 ||
				strings.TrimSpace(p.testid("request-id").Find("code").Text()) == "" ||
				p.doc.Find(`link[rel="stylesheet"][href="/static/admit.css"]`).Length() != 1 {
				t.Fatalf("want the styled error page with a request id: %s %s", p.header.Get("Content-Type"), p.body)
			}
			if name != "unknown client" && !strings.Contains(p.testid("error-title").Text(), "sign-in link is not valid") {
				t.Fatalf("title %q does not say the app's link is not valid", p.testid("error-title").Text())
			}
		})
	}
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t, memoryBackend)
	cc := clientcredentials.Config{ClientID: app.DemoClientID, ClientSecret: app.DemoClientSecret, TokenURL: e.issuer + "/oauth/token"}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("client_credentials: %v", err)
	}
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	c := r.checkAccessTokenClaims(tok.AccessToken)
	if c.Subject != app.DemoClientID || c.AuthTime != 0 {
		t.Fatalf("claims %+v: want sub = client id and no auth_time", c)
	}
	if _, err := r.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok)); err == nil {
		t.Fatal("userinfo answered a client_credentials token")
	}
	cc.Scopes = []string{"openid"}
	if _, err := cc.Token(context.Background()); !isOAuthError(err, "invalid_scope") {
		t.Fatalf("user scope on client_credentials: err = %v, want invalid_scope", err)
	}
}

func TestRevocation(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	code, ar, _ := codeFor(t, e, r)
	tok, err := r.exchange(code, ar)
	if err != nil {
		t.Fatal(err)
	}
	if r.revoke(tok.AccessToken) != http.StatusOK || r.introspect(tok.AccessToken)["active"] != false {
		t.Fatal("revoked access token still active")
	}
	if r.revoke(tok.RefreshToken) != http.StatusOK {
		t.Fatal("revoking the refresh token failed")
	}
	if _, err := r.refresh(tok.RefreshToken); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("revoked refresh token: err = %v, want invalid_grant", err)
	}
	if r.revoke("unknown-token") != http.StatusOK {
		t.Fatal("unknown tokens must be answered 200 (RFC 7009 2.2)")
	}
}

func (r *rp) revoke(token string) int {
	req, _ := http.NewRequest(http.MethodPost, r.e.issuer+"/revoke", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(r.oauth.ClientID, r.oauth.ClientSecret)
	resp := mustDo(r.e.t, req)
	return resp.StatusCode
}

func TestIntrospection(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	code, ar, _ := codeFor(t, e, r)
	tok, _ := r.exchange(code, ar)
	got := r.introspect(tok.AccessToken)
	if got["active"] != true || got["client_id"] != app.DemoClientID || got["token_type"] != "Bearer" || got["scope"] == nil {
		t.Fatalf("introspection = %v", got)
	}
	e.clock.Advance(16 * time.Minute)
	if r.introspect(tok.AccessToken)["active"] != false {
		t.Fatal("expired access token still active")
	}
}

func TestSSOSessionPromptAndLogout(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	code, ar, br := codeFor(t, e, r)
	tok, _ := r.exchange(code, ar)
	t.Run("prompt=none reuses the session", func(t *testing.T) {
		ar := r.start(oauth2.SetAuthURLParam("prompt", "none"))
		cb := br.callback(br.get(ar.url), ar)
		if cb.Query().Get("code") == "" {
			t.Fatalf("no code: %v", cb)
		}
	})
	t.Run("prompt=login shows the login page", func(t *testing.T) {
		if p := br.get(r.start(oauth2.SetAuthURLParam("prompt", "login")).url); p.testid("login-form").Length() == 0 {
			t.Fatalf("status %d: no login form", p.status)
		}
	})
	t.Run("max_age passed shows the login page", func(t *testing.T) {
		e.clock.Advance(2 * time.Minute)
		if p := br.get(r.start(oauth2.SetAuthURLParam("max_age", "60")).url); p.testid("login-form").Length() == 0 {
			t.Fatalf("status %d: no login form", p.status)
		}
	})
	t.Run("end_session clears it", func(t *testing.T) {
		q := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}, "post_logout_redirect_uri": {rpCallback}, "state": {"bye"}}
		p := br.get(e.issuer + "/end_session?" + q.Encode())
		if p.location == nil || p.location.Query().Get("state") != "bye" {
			t.Fatalf("logout: status %d location %v", p.status, p.location)
		}
		ar := r.start(oauth2.SetAuthURLParam("prompt", "none"))
		p = br.get(ar.url)
		if p.location == nil || p.location.Query().Get("error") != "login_required" {
			t.Fatalf("after logout prompt=none: %d %v", p.status, p.location)
		}
	})
}

func TestConsent(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	br := e.browser()
	ar := r.start()
	p := br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword)
	if p.testid("consent-form").Length() == 0 || p.testid("scope").Length() == 0 {
		t.Fatalf("no consent page for a third-party client: %d", p.status)
	}
	p = br.consent(p, "deny")
	if p.location == nil || p.location.Query().Get("error") != "access_denied" || p.location.Query().Get("state") != ar.state {
		t.Fatalf("deny: %d %v", p.status, p.location)
	}
	ar = r.start()
	br.callback(br.consent(br.get(ar.url), "allow"), ar)
	ar = r.start()
	if p := br.get(ar.url); p.location == nil {
		t.Fatalf("consent asked again for the same scopes: %d", p.status)
	}
}

func TestFormPostResponseMode(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	br := e.browser()
	ar := r.start(oauth2.SetAuthURLParam("response_mode", "form_post"))
	p := br.consent(br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword), "allow")
	form := p.doc.Find("form")
	action, _ := form.Attr("action")
	if action != rpCallback || p.hidden("state") != ar.state || p.hidden("code") == "" {
		t.Fatalf("form_post page: action %q state %q code %q", action, p.hidden("state"), p.hidden("code"))
	}
}

func TestLoginPageErrors(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	br := e.browser()
	login := br.get(r.start().url)
	for name, creds := range map[string][2]string{
		"wrong password": {app.DemoUserEmail, "wrong-password"},
		"unknown e-mail": {"nobody@example.com", "wrong-password"},
	} {
		t.Run(name, func(t *testing.T) {
			p := br.submitLogin(login, creds[0], creds[1])
			msg := strings.TrimSpace(p.testid("error").Text())
			email, _ := p.testid("email").Attr("value")
			if p.status != http.StatusUnauthorized || msg != "The e-mail address or password is incorrect." || email != creds[0] {
				t.Fatalf("status %d message %q email %q", p.status, msg, email)
			}
			if strings.Contains(p.body, creds[1]) {
				t.Fatal("the page echoes the password")
			}
		})
	}
	t.Run("missing CSRF token", func(t *testing.T) {
		p := br.post("/login/password", url.Values{"flow": {login.hidden("flow")}, "email": {app.DemoUserEmail}, "password": {app.DemoUserPassword}})
		if p.status != http.StatusForbidden || p.testid("error-title").Length() == 0 {
			t.Fatalf("status %d, want 403 with an error page", p.status)
		}
	})
	t.Run("too many failures end the flow", func(t *testing.T) {
		p := br.get(r.start().url)
		for range 5 {
			p = br.submitLogin(p, app.DemoUserEmail, "wrong-password")
		}
		if p.status != http.StatusTooManyRequests {
			t.Fatalf("after 5 failures: status %d", p.status)
		}
	})
}

func TestLoginPageSecurityHeaders(t *testing.T) {
	e := newEnv(t, memoryBackend)
	p := e.browser().get(e.rp(app.DemoClientID, app.DemoClientSecret).start().url)
	for h, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'", "X-Frame-Options": "DENY",
		"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
	} {
		if !strings.Contains(p.header.Get(h), want) {
			t.Errorf("%s = %q, want it to contain %q", h, p.header.Get(h), want)
		}
	}
}

func TestTokenResponseIsNotCacheable(t *testing.T) {
	e := newEnv(t, memoryBackend)
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(app.DemoClientID, app.DemoClientSecret)
	resp := mustDo(t, req)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

func TestMalformedRequests(t *testing.T) {
	e := newEnv(t, memoryBackend)
	post := func(body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(app.DemoClientID, app.DemoClientSecret)
		return mustDo(t, req)
	}
	if resp := post("grant_type=password&username=a&password=b"); resp.StatusCode != http.StatusBadRequest || oauthError(t, resp) != "unsupported_grant_type" {
		t.Fatalf("password grant: %d", resp.StatusCode)
	}
	if resp := post("%zz=%%"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("malformed body: %d", resp.StatusCode)
	}
	if resp := post("grant_type=client_credentials&pad=" + strings.Repeat("a", 100<<10)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d", resp.StatusCode)
	}
}

// Without a reuse interval concurrent refreshes of one token are replay:
// exactly one wins (with one, see TestConcurrentRefreshRetriesDoNotFork).
func TestConcurrentRefreshExactlyOneWins(t *testing.T) {
	e := newEnvWith(t, postgresBackend, envOptions{configure: func(c *app.Config) { c.Resilience.RefreshReuseInterval = 0 }})
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	code, ar, _ := codeFor(t, e, r)
	tok, err := r.exchange(code, ar)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); _, results[i] = r.refresh(tok.RefreshToken) }()
	}
	wg.Wait()
	wins := 0
	for _, err := range results {
		if err == nil {
			wins++
		} else if !isOAuthError(err, "invalid_grant") {
			t.Fatalf("loser error = %v, want invalid_grant", err)
		}
	}
	// Exactly one: more is a double spend, none means the rotation lost
	// every race (or failed) and the user is signed out for nothing.
	if wins != 1 {
		t.Fatalf("%d concurrent rotations of one refresh token succeeded, want exactly 1", wins)
	}
}

func (r *rp) checkAccessTokenClaims(token string) atClaims {
	r.e.t.Helper()
	ks := oidc.NewRemoteKeySet(context.Background(), r.e.issuer+"/keys")
	payload, err := ks.VerifySignature(context.Background(), token)
	if err != nil {
		r.e.t.Fatalf("JWKS verification: %v", err)
	}
	var c atClaims
	_ = json.Unmarshal(payload, &c)
	return c
}

func mustDo(t testing.TB, req *http.Request) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func oauthError(t testing.TB, resp *http.Response) string {
	t.Helper()
	raw, _ := io.ReadAll(resp.Body)
	var body struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("not OAuth error JSON (status %d): %s", resp.StatusCode, raw)
	}
	return body.Error
}

func TestProtocolErrorShapes(t *testing.T) {
	e := newEnv(t, memoryBackend)
	t.Run("userinfo with a bad token", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
		req.Header.Set("Authorization", "Bearer not-a-token")
		resp := mustDo(t, req)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) || oauthError(t, resp) != "invalid_token" {
			t.Fatalf("status %d WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})
	t.Run("introspection with a bad client secret", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.issuer+"/oauth/introspect", strings.NewReader("token=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(app.DemoClientID, "wrong")
		resp := mustDo(t, req)
		if resp.StatusCode != http.StatusUnauthorized || oauthError(t, resp) != "invalid_client" {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

// TestAuthorizeParametersOpWouldMisreport: a max_age that is not a whole
// number of seconds, and request or request_uri (unsupported, as discovery
// says), are answered with the OAuth error at the registered redirect URI
// with the state, or with a page when the URI is not registered; never a
// library's plain-text message, never silently ignored.
func TestAuthorizeParametersOpWouldMisreport(t *testing.T) {
	e := newEnv(t, memoryBackend)
	pkce := url.Values{"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	with := func(k, v string) url.Values {
		q := url.Values{k: {v}}
		for key, val := range pkce {
			q[key] = val
		}
		return q
	}
	for _, c := range []struct{ param, value, want string }{
		{"max_age", "-5", "invalid_request"},
		{"max_age", "soon", "invalid_request"},
		{"request_uri", "https://evil.example/req", "request_uri_not_supported"},
		{"request", "eyJhbGciOiJub25lIn0.e30.", "request_not_supported"},
	} {
		t.Run(c.param+"="+c.value, func(t *testing.T) {
			p := e.browser().get(authorizeURL(e, app.DemoClientID, rpCallback, with(c.param, c.value)))
			if p.location == nil || p.location.Query().Get("error") != c.want || p.location.Query().Get("state") != "s1" {
				t.Fatalf("status %d location %v: want error=%s at the redirect URI", p.status, p.location, c.want)
			}
			p = e.browser().get(authorizeURL(e, app.DemoClientID, "https://evil.example/cb", with(c.param, c.value)))
			if p.location != nil || p.status != http.StatusBadRequest || p.testid("error-title").Length() != 1 {
				t.Fatalf("unregistered redirect URI: status %d location %v: %s", p.status, p.location, p.body)
			}
		})
	}
	if p := e.browser().get(authorizeURL(e, app.DemoClientID, rpCallback, with("max_age", "60"))); p.testid("login-form").Length() != 1 {
		t.Fatalf("a valid max_age: status %d %v", p.status, p.location)
	}
}
