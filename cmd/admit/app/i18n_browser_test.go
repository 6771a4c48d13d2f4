package app_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
)

// TestBrowserPagesInLanguagesAndBrands screenshots the hosted pages in
// English, German and Arabic, at 1280 px and on a 390 px phone, for the
// default brand and the development tenant's brand, and runs axe-core on
// every state (scripts/i18n.mjs fails on any violation). It checks that
// each page is in the language asked for, Arabic right to left, and that
// no page is wider than the phone.
func TestBrowserPagesInLanguagesAndBrands(t *testing.T) {
	// One browser signs in many times from one address: the rate limits
	// and the per-address lockout are the defences tests' business.
	e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) {
		c.Defences.RateLimits, c.Defences.LockoutIPMax = "off", 1000
	}})
	if err := e.app.SeedDemoBrand(context.Background()); err != nil {
		t.Fatal(err)
	}
	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)
	authURL := func(clientID, secret string) string {
		return e.rp(clientID, secret).start(oauth2.SetAuthURLParam("prompt", "consent")).url
	}
	plan := map[string]any{
		"langs":     []string{"en", "de", "ar"},
		"viewports": []string{"1280x800", "390x844"},
		"brands": []map[string]string{
			{"name": "default", "authURL": authURL(app.DemoClientID, app.DemoClientSecret), "email": app.DemoUserEmail, "password": app.DemoUserPassword},
			{"name": "riverside", "authURL": authURL(app.DemoBrandClientID, app.DemoBrandClientSecret), "email": app.DemoBrandUserEmail, "password": app.DemoBrandUserPassword},
		},
		"pages": []map[string]string{
			{"name": "device", "path": "/device"},
			{"name": "link-expired", "path": "/login?id=no-such-request"},
			{"name": "signed-out", "path": "/logged-out"},
		},
	}
	// One browser run per language: each stays well inside browsertest's
	// two minutes on a slow machine.
	var results []json.RawMessage
	for _, lang := range []string{"en", "de", "ar"} {
		plan["langs"] = []string{lang}
		raw, _ := json.Marshal(plan)
		results = append(results, browsertest.Run(t, "scripts/i18n.mjs", map[string]string{
			"PLAN": string(raw), "ISSUER": e.issuer, "SCREENSHOT_DIR": shots, "STRICT_CONSOLE": "1",
		})...)
	}
	// Per language and size: 3 states for each of 2 brands, and 3 pages,
	// forgot, sign-up and its error for the default brand.
	if want := 3 * 2 * (3*2 + 6); len(results) != want {
		t.Fatalf("got %d states, want %d", len(results), want)
	}
	for _, r := range results {
		var s struct {
			State, Lang, Viewport, Brand, HTMLLang, Dir, H1, Screenshot string
			Overflow                                                    bool
		}
		if err := json.Unmarshal(r, &s); err != nil {
			t.Fatal(err)
		}
		name := s.State + " " + s.Lang + " " + s.Viewport + " " + s.Brand
		wantDir := "ltr"
		if s.Lang == "ar" {
			wantDir = "rtl"
		}
		// The branded tenant speaks German by default, but the browser's
		// language comes first.
		if s.HTMLLang != s.Lang || s.Dir != wantDir {
			t.Errorf("%s: <html lang=%q dir=%q>, want %s %s", name, s.HTMLLang, s.Dir, s.Lang, wantDir)
		}
		if s.Lang != "en" && strings.Contains(s.H1, "Sign in") {
			t.Errorf("%s: heading %q is English", name, s.H1)
		}
		if s.Overflow {
			t.Errorf("%s: the page is wider than the %s viewport", name, s.Viewport)
		}
		checkPNG(t, filepath.Join(shots, filepath.Base(s.Screenshot)))
	}
}
