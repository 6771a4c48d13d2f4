package app_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/browsertest"
)

// TestBrowserSocialLogin signs in with headless Chromium through the
// upstream Admit (on "localhost", so the two Admits' cookies stay apart):
// the provider button is a plain link the page's CSP allows, the state is
// bound to the browser's SameSite=Lax CSRF cookie across the cross-site
// redirect back, and no page logs a CSP violation.
func TestBrowserSocialLogin(t *testing.T) {
	w := newSocialWorldAt(t, memoryBackend, "localhost", nil)
	w.upstreamUser("chromium@example.com", true)
	rp := newBrowserRP(t, w.down)
	results := browsertest.Run(t, "scripts/social.mjs", map[string]string{
		"START_URL": rp.srv.URL + "/start", "PROVIDER": "corp",
		"EMAIL": "chromium@example.com", "PASSWORD": upUserPassword,
		"SCREENSHOT_DIR": t.ArtifactDir(), "STRICT_CONSOLE": "1",
	})
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1", len(results))
	}
	var res struct{ URL, Body string }
	if err := json.Unmarshal(results[0], &res); err != nil {
		t.Fatal(err)
	}
	c := parseClaims(t, res.Body)
	amr, _ := c.IDToken["amr"].([]any)
	if c.IDToken["idp"] != "corp" || !slices.Contains(amr, any("ext")) || c.UserInfo["email"] != "chromium@example.com" {
		t.Fatalf("claims after a social login in Chromium: %+v", c)
	}
}
