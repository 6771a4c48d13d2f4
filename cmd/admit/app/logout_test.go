package app_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
)

// TestLogoutIsNotAnOpenRedirect: /logout only redirects to targets op
// validated and signed.
func TestLogoutIsNotAnOpenRedirect(t *testing.T) {
	e := newEnv(t, memoryBackend)
	q := url.Values{"to": {"https://evil.example/"}, "sig": {"forged"}}
	p := e.browser().get(e.issuer + "/logout?" + q.Encode())
	if p.status != http.StatusBadRequest || p.location != nil {
		t.Fatalf("forged logout link: status %d location %v", p.status, p.location)
	}
}

// TestEndSessionRefusesUnregisteredPostLogoutURI: op validates the target
// against the client's registered post-logout URIs.
func TestEndSessionRefusesUnregisteredPostLogoutURI(t *testing.T) {
	e := newEnv(t, memoryBackend)
	q := url.Values{"client_id": {"demo-app"}, "post_logout_redirect_uri": {"https://evil.example/"}}
	br := e.browser()
	ask := br.get(e.issuer + "/end_session?" + q.Encode())
	if csp := ask.header.Get("Content-Security-Policy"); strings.Contains(csp, "evil.example") {
		t.Fatalf("the confirmation allows an unregistered form target: %s", csp)
	}
	p := br.confirmSignOut(ask)
	if p.location != nil && p.location.Host == "evil.example" {
		t.Fatalf("end_session redirected to an unregistered URI")
	}
	if p.status < 400 {
		t.Fatalf("status %d, want an error", p.status)
	}
}

// confirmSignOut answers the sign-out confirmation page p.
func (b *browser) confirmSignOut(p page) page {
	b.t.Helper()
	form := p.testid("signout-form")
	if form.Length() == 0 {
		b.t.Fatalf("no sign-out confirmation (status %d): %s", p.status, p.body)
	}
	v := url.Values{}
	form.Find(`input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		v.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	return b.post(form.AttrOr("action", ""), v)
}

// TestEndSessionWithoutHintAsksFirst: RP-initiated logout without an
// id_token_hint (which any page can trigger with a GET) asks the user; a
// forged confirmation without the CSRF token signs nobody out; the user's
// answer signs out and returns to the client's registered URI with its
// state. With an id_token_hint it signs out at once (TestSession).
func TestEndSessionWithoutHintAsksFirst(t *testing.T) {
	e := newEnv(t, memoryBackend)
	_, _, br := codeFor(t, e, e.rp(app.DemoClientID, app.DemoClientSecret))
	q := url.Values{"client_id": {app.DemoClientID}, "post_logout_redirect_uri": {rpCallback}, "state": {"bye"}}

	ask := br.get(e.issuer + "/end_session?" + q.Encode())
	// The answer reaches the RP through /logout's ContinuePage, so the page
	// keeps form-action 'self' (login.Continue).
	if ask.status != http.StatusOK || ask.testid("signout-form").Length() != 1 || !strings.Contains(ask.header.Get("Content-Security-Policy"), "form-action 'self';") {
		t.Fatalf("no confirmation page: status %d csp %q", ask.status, ask.header.Get("Content-Security-Policy"))
	}
	forged := url.Values{"confirm": {"yes"}, "client_id": {app.DemoClientID}}
	if p := br.post("/end_session", forged); p.testid("signout-form").Length() != 1 {
		t.Fatalf("a confirmation without the CSRF token was not asked again: status %d %v", p.status, p.location)
	}
	if p := br.get(e.issuer + "/account"); p.testid("login-form").Length() != 0 {
		t.Fatal("signed out before the user confirmed")
	}
	p := br.confirmSignOut(ask)
	for p.location != nil && p.location.Host != "127.0.0.1:5555" { // op → /logout → the RP
		p = br.get(p.location.String())
	}
	if p.location == nil || p.location.Query().Get("state") != "bye" {
		t.Fatalf("after confirming: status %d location %v", p.status, p.location)
	}
	if p := br.get(e.issuer + "/account"); p.testid("login-form").Length() == 0 {
		t.Fatal("still signed in after confirming")
	}
}

// TestBrowserSignOutConfirmation: the confirmation in Chromium, ending on
// a real post-logout page of another origin (the form-action CSP must let
// the redirect through).
func TestBrowserSignOutConfirmation(t *testing.T) {
	e := newEnv(t, memoryBackend)
	rpSite := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>RP</title><p>bye " + html.EscapeString(r.URL.Query().Get("state")) + "</p>"))
	}))
	t.Cleanup(rpSite.Close)
	c, _ := e.app.Stores.Durable.GetClient(context.Background(), app.DemoClientID)
	c.PostLogoutRedirectURIs = append(c.PostLogoutRedirectURIs, rpSite.URL+"/signed-out")
	if err := e.app.Stores.Durable.UpdateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"client_id": {app.DemoClientID}, "post_logout_redirect_uri": {rpSite.URL + "/signed-out"}, "state": {"s1"}}
	shots := t.ArtifactDir()
	results := browsertest.Run(t, "scripts/signout.mjs", map[string]string{
		"START_URL": e.issuer + "/account", "EMAIL": app.DemoUserEmail, "PASSWORD": app.DemoUserPassword,
		"END_SESSION_URL": e.issuer + "/end_session?" + q.Encode(), "RP_ORIGIN": rpSite.URL,
		"SCREENSHOT_DIR": shots, "STRICT_CONSOLE": "1",
	})
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1", len(results))
	}
	var res struct {
		Asked, Landed, Body string
		SignedOut           bool
	}
	if err := json.Unmarshal(results[0], &res); err != nil {
		t.Fatal(err)
	}
	if res.Asked != "Sign out?" || !strings.HasPrefix(res.Landed, rpSite.URL+"/signed-out") || !strings.Contains(res.Body, "bye s1") || !res.SignedOut {
		t.Fatalf("result = %+v", res)
	}
	checkPNG(t, filepath.Join(shots, "signout-confirm.png"))
}

// idTokenFor signs email in on a fresh browser (or br) and returns the ID token.
func idTokenFor(t *testing.T, e *env, r *rp, br *browser, email, password string, opts ...oauth2.AuthCodeOption) string {
	t.Helper()
	ar := r.start(opts...)
	cb := br.login(ar, email, password)
	tok, err := r.exchange(cb.Query().Get("code"), ar)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Extra("id_token").(string)
}

// TestEndSessionWithSomeoneElsesHintAsksFirst: an id_token_hint signs the
// browser out at once only when it names the browser's own user and
// session (RP-Initiated Logout 1.0 §2: "If the End-User does not match the
// ID Token, the OP SHOULD ask"). Another user's token, or the same user's
// token from an older session, gets the confirmation page; the answer then
// signs out and returns to the client with its state.
func TestEndSessionWithSomeoneElsesHintAsksFirst(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	hash, err := e.app.Hasher.Hash("other-password-1")
	if err != nil {
		t.Fatal(err)
	}
	other := addUser(t, e, "other@example.com")
	if err := e.app.Stores.Durable.SetPasswordHash(context.Background(), other.ID, hash, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	othersToken := idTokenFor(t, e, r, e.browser(), "other@example.com", "other-password-1")

	br := e.browser()
	oldSession := idTokenFor(t, e, r, br, app.DemoUserEmail, app.DemoUserPassword)
	// prompt=login starts a new session for the same user.
	idTokenFor(t, e, r, br, app.DemoUserEmail, app.DemoUserPassword, oauth2.SetAuthURLParam("prompt", "login"))

	endSession := func(hint string) page {
		q := url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {rpCallback}, "state": {"bye"}}
		return br.get(e.issuer + "/end_session?" + q.Encode())
	}
	signedIn := func() bool { return br.get(e.issuer+"/account").testid("login-form").Length() == 0 }
	for name, hint := range map[string]string{"another user's token": othersToken, "an older session's token": oldSession} {
		ask := endSession(hint)
		if ask.status != http.StatusOK || ask.testid("signout-form").Length() != 1 {
			t.Fatalf("%s: no confirmation (status %d, location %v)", name, ask.status, ask.location)
		}
		if !signedIn() {
			t.Fatalf("%s signed the browser out without asking", name)
		}
	}

	ask := endSession(othersToken)
	p := br.confirmSignOut(ask)
	for p.location != nil && p.location.Host != "127.0.0.1:5555" { // op → /logout → the RP
		p = br.get(p.location.String())
	}
	if p.location == nil || p.location.Query().Get("state") != "bye" {
		t.Fatalf("after confirming: status %d location %v: %s", p.status, p.location, p.body)
	}
	if signedIn() {
		t.Fatal("still signed in after confirming")
	}

	// The browser's own token still signs out at once.
	current := idTokenFor(t, e, r, br, app.DemoUserEmail, app.DemoUserPassword)
	p = endSession(current)
	for p.location != nil && p.location.Host != "127.0.0.1:5555" {
		p = br.get(p.location.String())
	}
	if p.location == nil || p.location.Query().Get("state") != "bye" || signedIn() {
		t.Fatalf("own token: status %d location %v", p.status, p.location)
	}
}

// TestLogoutLinkIsBoundToTheSession: the signed /logout link end_session
// answers with signs out only the browser session it was made for. An
// attacker who gets such links (end_session without cookies "signs out"
// at once; or with the attacker's own session and token) cannot sign a
// victim out by sending the victim's browser there: the victim is asked,
// and stays signed in until they answer.
func TestLogoutLinkIsBoundToTheSession(t *testing.T) {
	e := newEnv(t, memoryBackend)
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	hash, err := e.app.Hasher.Hash("other-password-1")
	if err != nil {
		t.Fatal(err)
	}
	other := addUser(t, e, "mallory@example.com")
	if err := e.app.Stores.Durable.SetPasswordHash(context.Background(), other.ID, hash, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	attacker := e.browser()
	attackersToken := idTokenFor(t, e, r, attacker, "mallory@example.com", "other-password-1")
	victim := e.browser()
	idTokenFor(t, e, r, victim, app.DemoUserEmail, app.DemoUserPassword)
	signedIn := func() bool { return victim.get(e.issuer+"/account").testid("login-form").Length() == 0 }

	// logoutLink runs end_session as the attacker (with the jar's cookies,
	// or none) and returns the /logout link it answers with.
	logoutLink := func(jar http.CookieJar) string {
		t.Helper()
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		q := url.Values{"id_token_hint": {attackersToken}, "post_logout_redirect_uri": {rpCallback}, "state": {"bye"}}
		resp, err := c.Get(e.issuer + "/end_session?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil || loc.Path != "/logout" {
			t.Fatalf("end_session: status %d location %v (%v)", resp.StatusCode, loc, err)
		}
		return loc.String()
	}
	for name, jar := range map[string]http.CookieJar{"no session": nil, "the attacker's session": attacker.client.Jar} {
		p := victim.get(logoutLink(jar))
		if p.location != nil || p.testid("signout-form").Length() != 1 {
			t.Fatalf("link made with %s: status %d location %v, want the confirmation: %s", name, p.status, p.location, p.body)
		}
		if !signedIn() {
			t.Fatalf("a /logout link made with %s signed the victim out without asking", name)
		}
	}
	// The victim's answer to that confirmation signs them out.
	p := victim.confirmSignOut(victim.get(logoutLink(nil)))
	for p.location != nil && p.location.Host != "127.0.0.1:5555" {
		p = victim.get(p.location.String())
	}
	if signedIn() {
		t.Fatalf("still signed in after confirming (status %d): %s", p.status, p.body)
	}
}

// TestEndSessionHintMustBeThisSessionsIDToken: only an ID token naming the
// browser's own session (sub and sid) signs out without asking. The
// user's access token (typ at+jwt, signed with the same keys) and an ID
// token without sid (a native sign-in's, for the same user) get the
// confirmation.
func TestEndSessionHintMustBeThisSessionsIDToken(t *testing.T) {
	w := newNativeWorld(t, memoryBackend)
	e := w.e
	w.google.setAccount("up-hint", "hint@example.com")
	br := e.browser()
	start, _ := br.get(e.issuer + "/account").testid("social-google").Attr("href")
	if p := br.get(e.issuer + start); p.status != http.StatusOK || !strings.HasPrefix(p.url.Path, "/account") {
		t.Fatalf("browser social login ended with %d at %s", p.status, p.url)
	}
	// The same user's access token, from a code flow in this session.
	r := e.rp(app.DemoClientID, app.DemoClientSecret)
	ar := r.start()
	cb := br.callback(br.consent(br.get(ar.url), "allow"), ar)
	tok, err := r.exchange(cb.Query().Get("code"), ar)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	// An ID token of the same user without sid.
	res := w.native(t, nativeClientID, w.google.idToken(idTokenClaims{aud: googleNativeID, verified: true}),
		url.Values{"requested_token_type": {"urn:ietf:params:oauth:token-type:id_token"}})
	if res.status != http.StatusOK {
		t.Fatalf("native id token: %d %v", res.status, res.body)
	}
	signedIn := func() bool { return br.get(e.issuer+"/account").testid("login-form").Length() == 0 }
	for name, hint := range map[string]string{"the access token": tok.AccessToken, "an ID token without sid": res.body["access_token"].(string)} {
		// No post_logout_redirect_uri: the hints are of different clients.
		p := br.get(e.issuer + "/end_session?" + url.Values{"id_token_hint": {hint}}.Encode())
		if p.status != http.StatusOK || p.testid("signout-form").Length() != 1 {
			t.Errorf("%s as id_token_hint: no confirmation (status %d, location %v)", name, p.status, p.location)
		}
		if !signedIn() {
			t.Fatalf("%s as id_token_hint signed the browser out without asking", name)
		}
	}
	// The session's own ID token still signs out at once.
	q := url.Values{"id_token_hint": {tok.Extra("id_token").(string)}, "post_logout_redirect_uri": {rpCallback}, "state": {"bye"}}
	p := br.get(e.issuer + "/end_session?" + q.Encode())
	for p.location != nil && p.location.Host != "127.0.0.1:5555" {
		p = br.get(p.location.String())
	}
	if p.location == nil || p.location.Query().Get("state") != "bye" || signedIn() {
		t.Fatalf("own ID token: status %d location %v", p.status, p.location)
	}
}
