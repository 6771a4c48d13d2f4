package app_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
)

// TestAuthRequestIDYieldsNoCode: knowing an authorization request's ID must
// not let anyone else collect its code. op's /authorize/callback is closed,
// and the browser that completes the login gets the only code.
func TestAuthRequestIDYieldsNoCode(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	ar := r.start()
	victim := e.browser()
	login := victim.get(ar.url)
	id := login.url.Query().Get("id")
	victim.callback(victim.consent(victim.submitLogin(login, app.DemoUserEmail, app.DemoUserPassword), "allow"), ar)
	p := e.browser().get(e.issuer + "/authorize/callback?id=" + url.QueryEscape(id))
	if p.status != http.StatusNotFound || p.location != nil {
		t.Fatalf("callback by request ID: status %d location %v", p.status, p.location)
	}
	// The victim's session reopening the same request gets no second code.
	if p := victim.get(e.issuer + "/login?id=" + url.QueryEscape(id)); p.location != nil && p.location.Query().Get("code") != "" {
		t.Fatalf("a second code was issued for one request: %v", p.location)
	}
}

// TestRevocationIgnoresForgedInternalIDs: /revoke only acts on real tokens
// of the calling client (RFC 7009 2.1).
func TestRevocationIgnoresForgedInternalIDs(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	code, ar, _ := codeFor(t, e, r)
	tok, err := r.exchange(code, ar)
	if err != nil {
		t.Fatal(err)
	}
	c := r.checkAccessTokenClaims(tok.AccessToken)
	var claims map[string]any
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok.AccessToken, ".")[1])
	_ = json.Unmarshal(payload, &claims)
	forged, _ := json.Marshal(map[string]any{"jti": c.JTI, "client_id": app.DemoSPAID, "exp": time.Now().Add(24 * 365 * time.Hour).Unix()})
	for _, token := range []string{"rf." + claims["gid"].(string), base64.RawURLEncoding.EncodeToString(forged)} {
		// demo-spa is public: it authenticates with its client_id alone.
		resp, err := http.PostForm(e.issuer+"/revoke", url.Values{"token": {token}, "client_id": {app.DemoSPAID}})
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("revoke %q: %v status %d, want 200 (unknown token)", token, err, resp.StatusCode)
		}
		resp.Body.Close()
	}
	if r.introspect(tok.AccessToken)["active"] != true {
		t.Fatal("another client revoked demo-app's access token with a forged ID")
	}
	if _, err := r.refresh(tok.RefreshToken); err != nil {
		t.Fatalf("another client revoked demo-app's grant: %v", err)
	}
}

func TestRefreshWithUnknownClientIs401(t *testing.T) {
	e := newEnv(t, memoryBackend)
	resp, err := http.PostForm(e.issuer+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || oauthError(t, resp) != "invalid_client" {
		t.Fatalf("status %d, want 401 invalid_client", resp.StatusCode)
	}
}

// TestRefreshScopeNarrowingIsNotSticky: RFC 6749 6 — the new refresh token
// keeps the original scope.
func TestRefreshScopeNarrowingIsNotSticky(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, "email", oidc.ScopeOfflineAccess)
	code, ar, _ := codeFor(t, e, r)
	tok, _ := r.exchange(code, ar)
	// x/oauth2 sends no scope on refresh: ask for fewer by hand.
	rec := tokenRequest(e.app.Handler(), "grant_type=refresh_token&scope=openid&refresh_token="+url.QueryEscape(tok.RefreshToken))
	if rec.Code != http.StatusOK {
		t.Fatalf("narrowed refresh: %d %s", rec.Code, rec.Body)
	}
	if c := r.checkAccessTokenClaims(jsonField(rec.Body.String(), "access_token")); c.Scope != "openid" {
		t.Fatalf("narrowed access token scope = %q", c.Scope)
	}
	again, err := r.refresh(jsonField(rec.Body.String(), "refresh_token"))
	if err != nil {
		t.Fatal(err)
	}
	if c := r.checkAccessTokenClaims(again.AccessToken); !strings.Contains(c.Scope, "email") {
		t.Fatalf("scope after a narrowed refresh = %q, want the original grant", c.Scope)
	}
}

func TestUnsupportedResponseModeIsRefused(t *testing.T) {
	e := newEnv(t, memoryBackend)
	p := e.browser().get(authorizeURL(e, app.DemoClientID, rpCallback, url.Values{"response_mode": {"fragment"}}))
	// The error itself is delivered the way the client asked.
	if p.location == nil || !strings.Contains(p.location.Fragment, "error=invalid_request") {
		t.Fatalf("response_mode=fragment: status %d location %v", p.status, p.location)
	}
}

func TestPromptNoneWithoutConsentIsConsentRequired(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	br := e.browser()
	br.submitLogin(br.get(e.issuer+"/account"), app.DemoUserEmail, app.DemoUserPassword)
	ar := r.start(oauth2.SetAuthURLParam("prompt", "none"))
	p := br.get(ar.url)
	if p.location == nil || p.location.Query().Get("error") != "consent_required" {
		t.Fatalf("prompt=none without consent: %d %v", p.status, p.location)
	}
}

// TestFailedExchangeDoesNotSpendTheCode: a wrong secret or verifier is
// refused without burning the code its rightful client still holds.
func TestFailedExchangeDoesNotSpendTheCode(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	code, ar, _ := codeFor(t, e, r)
	wrong := r.oauth
	wrong.ClientSecret = "wrong"
	if _, err := wrong.Exchange(t.Context(), code, oauth2.VerifierOption(ar.verifier)); !isOAuthError(err, "invalid_client") {
		t.Fatalf("wrong secret: %v", err)
	}
	if _, err := r.oauth.Exchange(t.Context(), code, oauth2.VerifierOption(oauth2.GenerateVerifier())); !isOAuthError(err, "invalid_grant") {
		t.Fatalf("wrong verifier: %v", err)
	}
	if _, err := r.exchange(code, ar); err != nil {
		t.Fatalf("rightful exchange after failed attempts: %v", err)
	}
}

// TestDisabledUsersSessionIsEnded: a session whose user was disabled (here
// soft-deleted by an operator's store call) no longer answers authorization
// requests; the browser gets the login page.
func TestDisabledUsersSessionIsEnded(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	_, _, br := codeFor(t, e, r)
	u, err := e.app.Stores.Durable.GetUserByEmail(t.Context(), storage.DefaultTenantID, app.DemoUserEmail)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.Stores.Durable.SoftDeleteUser(t.Context(), u.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	p := br.get(r.start().url)
	if p.location != nil || p.testid("login-form").Length() == 0 {
		t.Fatalf("disabled user's session: status %d location %v", p.status, p.location)
	}
}

// TestMalformedInputIsA400: invalid UTF-8 and NUL bytes, which Postgres
// refuses in text columns, get a clear 400 at the edge rather than a 500
// from the client lookup or a 503 from a page.
func TestMalformedInputIsA400(t *testing.T) {
	e := newEnv(t, postgresBackend)
	do := func(method, path, body string, basic bool) *http.Response {
		req, _ := http.NewRequest(method, e.issuer+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth("\xff", "\xff")
		}
		return mustDo(t, req)
	}
	for name, resp := range map[string]*http.Response{
		"basic auth bytes":  do(http.MethodPost, "/oauth/token", "grant_type=refresh_token&refresh_token=x", true),
		"NUL in client_id":  do(http.MethodPost, "/oauth/token", "grant_type=client_credentials&client_id=a%00&client_secret=x", false),
		"revoke":            do(http.MethodPost, "/revoke", "token=x", true),
		"end_session":       do(http.MethodGet, "/end_session?client_id=%ff", "", false),
		"login form e-mail": do(http.MethodPost, "/login/password", "flow=x&email=a%00@x.com&password=p", false),
	} {
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, resp.StatusCode)
		}
	}
}
