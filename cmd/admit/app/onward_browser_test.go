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
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
)

// TestBrowserLoginEndsAtOnwardCallbacks: every POST that can end a login,
// and the sign-out confirmation, reaches the application in Chromium when
// the application's registered callback redirects on to other origins,
// once or twice. Chromium applies the login page's CSP form-action to
// every hop after a form POST, so a redirect answer would strand the user
// on "Sign in" with the code wasted (login.Continue).
func TestBrowserLoginEndsAtOnwardCallbacks(t *testing.T) {
	e := newEnv(t, memoryBackend)
	firstParty := newBrowserRPWith(t, e, browserRPOptions{Hops: 2, FirstParty: true})
	thirdParty := newBrowserRPWith(t, e, browserRPOptions{Hops: 1})

	// A second user with TOTP, enrolled through the account pages; the
	// clock then moves past the enrolment code's replay window.
	const mfaEmail, mfaPassword = "mfa-user@example.com", "mfa-user-password-1"
	if _, err := e.app.CreateUser(context.Background(), app.NewUser{Email: mfaEmail, Password: mfaPassword, EmailVerified: true}); err != nil {
		t.Fatal(err)
	}
	br, _ := e.signIn(mfaEmail, mfaPassword)
	secret, backup := br.enrolTOTPAs(mfaPassword)
	e.clock.Advance(2 * time.Minute)

	landing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>RP</title><link rel=\"icon\" href=\"data:,\"><p>bye " + html.EscapeString(r.URL.Query().Get("state")) + "</p>"))
	}))
	t.Cleanup(landing.Close)
	postLogout := onwardRedirects(t, landing.URL+"/signed-out", 2)
	c, _ := e.app.Stores.Durable.GetClient(context.Background(), firstParty.clientID)
	c.PostLogoutRedirectURIs = append(c.PostLogoutRedirectURIs, postLogout)
	if err := e.app.Stores.Durable.UpdateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	endSession := e.issuer + "/end_session?" + url.Values{"client_id": {firstParty.clientID},
		"post_logout_redirect_uri": {postLogout}, "state": {"s1"}}.Encode()

	type step map[string]any
	rpOrigin := func(rp *browserRP) string { return rp.srv.URL }
	steps := []step{
		{"name": "password-2-hops", "kind": "login", "start": firstParty.srv.URL + "/start", "rpOrigin": rpOrigin(firstParty),
			"email": app.DemoUserEmail, "password": app.DemoUserPassword},
		{"name": "signout-2-hops", "kind": "signout", "endSession": endSession, "landOrigin": landing.URL},
		{"name": "consent-allow-1-hop", "kind": "login", "start": thirdParty.srv.URL + "/start", "rpOrigin": rpOrigin(thirdParty),
			"email": app.DemoUserEmail, "password": app.DemoUserPassword, "consent": "allow", "fresh": true},
		{"name": "totp-2-hops", "kind": "login", "start": firstParty.srv.URL + "/start", "rpOrigin": rpOrigin(firstParty),
			"email": mfaEmail, "password": mfaPassword, "totp": e.totpCode(secret), "fresh": true},
		{"name": "backup-2-hops", "kind": "login", "start": firstParty.srv.URL + "/start", "rpOrigin": rpOrigin(firstParty),
			"email": mfaEmail, "password": mfaPassword, "backup": backup[0], "fresh": true},
		{"name": "consent-deny-1-hop", "kind": "login", "start": thirdParty.srv.URL + "/start", "rpOrigin": rpOrigin(thirdParty),
			"email": mfaEmail, "password": mfaPassword, "backup": backup[1], "consent": "deny", "fresh": true},
	}
	raw, _ := json.Marshal(steps)
	shots := t.ArtifactDir()
	results := browsertest.Run(t, "scripts/onward.mjs", map[string]string{
		"STEPS": string(raw), "SCREENSHOT_DIR": shots, "STRICT_CONSOLE": "1",
	})
	if len(results) != len(steps) {
		t.Fatalf("got %d results, want %d", len(results), len(steps))
	}
	for i, res := range results {
		var got struct{ Name, URL, Body string }
		if err := json.Unmarshal(res, &got); err != nil {
			t.Fatal(err)
		}
		name := steps[i]["name"].(string)
		switch {
		case strings.HasPrefix(name, "signout"):
			if !strings.HasPrefix(got.URL, landing.URL+"/signed-out") || !strings.Contains(got.Body, "bye s1") {
				t.Errorf("%s: landed at %s showing %q", name, got.URL, got.Body)
			}
		case strings.HasSuffix(name, "deny-1-hop"):
			if !strings.Contains(got.Body, "access_denied") {
				t.Errorf("%s: callback %s shows %q, want access_denied", name, got.URL, got.Body)
			}
		default:
			claims := parseClaims(t, got.Body)
			if claims.UserInfo["email"] != steps[i]["email"] {
				t.Errorf("%s: userinfo %v, want %v", name, claims.UserInfo, steps[i]["email"])
			}
		}
		checkPNG(t, filepath.Join(shots, "onward-"+name+".png"))
	}
}
