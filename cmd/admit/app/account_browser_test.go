package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
	"github.com/admit-idp/admit/storage"
)

// TestBrowserAccountArea walks every account page and state, and the
// pages fixed to lead somewhere, in Chromium on a 1280 px desktop and a
// 390 px phone, in English, German and Arabic; scripts/accountarea.mjs runs
// axe-core (0 violations) on each and takes a full-page screenshot. This
// test then checks what each state reported.
func TestBrowserAccountArea(t *testing.T) {
	e := newAccountsEnv(t, memoryBackend, nil, nil)
	e.app.Defences.Policy.RateLimits = false // six sign-ins from one address
	ctx := context.Background()
	u, err := e.app.Stores.Durable.GetUserByEmail(ctx, storage.DefaultTenantID, app.DemoUserEmail)
	if err != nil {
		t.Fatal(err)
	}
	// Other places the user is signed in, an app with access and a
	// remembered device, so that no list is empty.
	now := e.clock.Now()
	for i, ua := range []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
	} {
		at := now.Add(-time.Duration(i+2) * time.Hour)
		if err := e.app.Stores.Durable.CreateSession(ctx, storage.Session{ID: fmt.Sprintf("seeded-%d", i), TokenHash: fmt.Sprintf("seeded-hash-%d", i),
			UserID: u.ID, AuthTime: at, CreatedAt: at, LastSeenAt: at, ExpiresAt: now.Add(24 * time.Hour), UserAgent: ua, IP: "192.0.2.10"}); err != nil {
			t.Fatal(err)
		}
		if err := e.app.Stores.Durable.SaveDevice(ctx, storage.Device{ID: fmt.Sprintf("seeded-device-%d", i), UserID: u.ID,
			TokenHash: fmt.Sprintf("seeded-device-hash-%d", i), UserAgent: ua, Language: "de", IPPrefix: "192.0.2.0/24",
			FirstSeen: at.Add(-72 * time.Hour), LastSeen: at, TrustScore: 85}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.app.Stores.Durable.SaveConsent(ctx, storage.Consent{UserID: u.ID, ClientID: app.DemoClientID,
		Scopes: []string{"openid", "profile", "email"}, GrantedAt: now.Add(-24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}

	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)
	var results []json.RawMessage
	// One launch per viewport and language (17 states each), so that each
	// stays within browsertest's time limit on a busy machine.
	for _, vp := range []string{"desktop", "phone"} {
		for _, lang := range []string{"en", "de", "ar"} {
			results = append(results, browsertest.Run(t, "scripts/accountarea.mjs", map[string]string{
				"ISSUER": e.issuer, "EMAIL": app.DemoUserEmail, "PASSWORD": app.DemoUserPassword, "LANGS": lang, "VIEWPORTS": vp,
				"UNLOCK_URL":     e.app.Defences.Unlock.URL(app.DemoUserEmail, "", now.Add(time.Hour)),
				"SCREENSHOT_DIR": shots, "STRICT_CONSOLE": "1",
			})...)
		}
	}
	type state struct {
		State, Lang, File, Dir, LangAttr, Title, Body, Current, Live, Type, Pressed, FieldError, PasswordValues, Phone, RequestID, Path, Tag, Invalid string
		Width, ScrollWidth, ClientWidth, NavCount, Links, Button                                                                                      int
		NavTop, MainTop, NavLeft, MainLeft                                                                                                            float64
		Focused, HasNav                                                                                                                               bool
	}
	seen := map[string]bool{}
	if len(results) != 2*3*17 {
		t.Errorf("%d states reported, want %d", len(results), 2*3*17)
	}
	for _, raw := range results {
		var s state
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%s %s %d", s.State, s.Lang, s.Width)
		seen[s.State] = true
		checkPNG(t, s.File)
		if s.ScrollWidth > s.ClientWidth {
			t.Errorf("%s: the page scrolls sideways (%d > %d)", name, s.ScrollWidth, s.ClientWidth)
		}
		if strings.Contains(s.Body, "Mozilla/") || strings.Contains(s.Body, "trust 85") {
			t.Errorf("%s shows a raw user agent or the trust score", name)
		}
		if strings.HasPrefix(s.State, "account") {
			wantDir := map[string]string{"en": "ltr", "de": "ltr", "ar": "rtl"}[s.Lang]
			if s.Dir != wantDir || !strings.HasPrefix(s.LangAttr, s.Lang) {
				t.Errorf("%s: <html lang=%q dir=%q>", name, s.LangAttr, s.Dir)
			}
		}
		switch s.State {
		case "account-profile", "account-security", "account-danger", "account-devices":
			if s.NavCount < 6 || s.Current != "nav-"+strings.TrimPrefix(s.State, "account-") {
				t.Errorf("%s: navigation has %d entries, current %q", name, s.NavCount, s.Current)
			}
			// Beside the page on a desktop (on the inline-start side), above it on a phone.
			side := s.NavLeft < s.MainLeft
			if s.Lang == "ar" {
				side = s.NavLeft > s.MainLeft
			}
			if s.Width >= 1280 && !side || s.Width < 400 && s.NavTop >= s.MainTop {
				t.Errorf("%s: navigation at (%v,%v), page at (%v,%v)", name, s.NavLeft, s.NavTop, s.MainLeft, s.MainTop)
			}
		}
		switch s.State {
		case "account-devices":
			if want := map[string]string{"en": "Chrome on Windows", "de": "Chrome unter Windows", "ar": "Chrome على Windows"}[s.Lang]; !strings.Contains(s.Body, want) {
				t.Errorf("%s: no %q in %s", name, want, s.Body)
			}
		case "account-security-typing":
			// A common password is refused as it is typed, as the server would.
			if s.Live == "" || s.Invalid != "true" || s.Type != "text" || s.Pressed != "true" {
				t.Errorf("%s: live check %q (invalid %q), toggle type %q pressed %q", name, s.Live, s.Invalid, s.Type, s.Pressed)
			}
		case "account-security-error":
			if !s.Focused || s.FieldError == "" || !s.HasNav || s.PasswordValues != "" || strings.Count(s.Body, s.FieldError) != 1 {
				t.Errorf("%s: summary focused %v, field error %q (shown %d times), nav %v, password values %q",
					name, s.Focused, s.FieldError, strings.Count(s.Body, s.FieldError), s.HasNav, s.PasswordValues)
			}
		case "account-profile-error":
			if s.Phone != "call me" {
				t.Errorf("%s: phone shown again as %q, want what was typed", name, s.Phone)
			}
		case "unlock-confirm":
			if s.Button != 1 {
				t.Errorf("%s: no confirm button", name)
			}
		case "authorize-bad-redirect":
			if s.RequestID == "" {
				t.Errorf("%s: no request id", name)
			}
		case "signup-direct":
			if s.Path != "/account" || strings.Contains(s.Body, "expired") {
				t.Errorf("%s: ended at %s: %s", name, s.Path, s.Body)
			}
		case "signup-error":
			if !s.Focused {
				t.Errorf("%s: focus on %s, want the error summary", name, s.Tag)
			}
		case "forgot-sent", "link-expired", "signed-out":
			if s.Links == 0 {
				t.Errorf("%s: no way on", name)
			}
		}
	}
	for _, st := range []string{"account-profile", "account-security", "account-sign-in", "account-devices", "account-apps", "account-venues",
		"account-danger", "account-security-typing", "account-security-error", "account-profile-error", "unlock-confirm",
		"authorize-bad-redirect", "signup-direct", "signup-error", "forgot-sent", "link-expired", "signed-out"} {
		if !seen[st] {
			t.Errorf("no result for %s", st)
		}
	}
}
