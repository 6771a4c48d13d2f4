package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// TestBrowserFrontChannelFromAccount: in Chromium, signing out in the
// account area loads the application's front-channel logout URI (another
// origin) in the signed-out page's iframe, with iss and the session's sid:
// the page's CSP frame-src lets exactly that origin through. Desktop and
// phone screenshots of the page, and no axe violations.
func TestBrowserFrontChannelFromAccount(t *testing.T) {
	e := newEnv(t, memoryBackend)
	var mu sync.Mutex
	var hits []url.Values
	rpSite := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fc-logout" {
			mu.Lock()
			hits = append(hits, r.URL.Query())
			mu.Unlock()
		}
		w.Header().Set("Cache-Control", "no-cache, no-store")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>RP</title><p>app</p>"))
	}))
	t.Cleanup(rpSite.Close)
	_, _, err := e.app.Admin.CreateClient(context.Background(), admin.CLI(), storage.DefaultTenantID, admin.ClientSpec{
		ID: "fcl-browser", RedirectURIs: []string{rpSite.URL + "/callback"}, Grants: []string{"authorization_code"},
		Scopes: []string{"openid"}, FirstParty: true,
		FrontchannelLogoutURI: rpSite.URL + "/fc-logout", FrontchannelSessionRequired: true})
	if err != nil {
		t.Fatal(err)
	}
	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)
	for _, vp := range []struct{ shot, size string }{{"frontchannel-desktop.png", "1280x800"}, {"frontchannel-phone.png", "390x844"}} {
		q := url.Values{"client_id": {"fcl-browser"}, "response_type": {"code"}, "scope": {"openid"},
			"redirect_uri": {rpSite.URL + "/callback"}, "state": {"s1"}, "nonce": {"n1"},
			"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
		results := browsertest.Run(t, "scripts/frontchannel.mjs", map[string]string{
			"AUTHORIZE_URL": e.issuer + "/authorize?" + q.Encode(), "ACCOUNT_URL": e.issuer + "/account",
			"EMAIL": app.DemoUserEmail, "PASSWORD": app.DemoUserPassword, "RP_ORIGIN": rpSite.URL,
			"SCREENSHOT_DIR": shots, "SHOT": vp.shot, "VIEWPORT": vp.size, "STRICT_CONSOLE": "1",
		})
		if len(results) != 1 {
			t.Fatalf("%s: got %d results, want 1", vp.size, len(results))
		}
		var res struct {
			Landed, Title string
			Frames        int
		}
		if err := json.Unmarshal(results[0], &res); err != nil {
			t.Fatal(err)
		}
		if res.Frames != 1 || res.Title == "" {
			t.Fatalf("%s: result = %+v, want one front-channel frame on a titled page", vp.size, res)
		}
		checkPNG(t, filepath.Join(shots, vp.shot))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hits) != 2 {
		t.Fatalf("the application's front-channel URI was loaded %d times, want once per sign-out (2): %v", len(hits), hits)
	}
	for _, h := range hits {
		if h.Get("iss") != e.issuer || h.Get("sid") == "" {
			t.Errorf("front-channel hit %v, want iss=%s and a sid", h, e.issuer)
		}
	}
	if hits[0].Get("sid") == hits[1].Get("sid") {
		t.Errorf("both sign-outs named the same session %s", hits[0].Get("sid"))
	}
}
