package app_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
)

// TestBrowserPasskey registers a passkey in headless Chromium with a CDP
// virtual authenticator (user verification on), signs in to a relying
// party with it alone (conditional UI, then the button; amr hwk+user+mfa), then with the password and the
// passkey as second factor, and keeps screenshots of the passkey pages.
func TestBrowserPasskey(t *testing.T) {
	e := newPasskeyEnv(t, memoryBackend)
	rp := newBrowserRP(t, e)
	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)
	results := browsertest.Run(t, "scripts/passkey.mjs", map[string]string{
		"ISSUER":         e.issuer,
		"START_URL":      rp.srv.URL + "/start",
		"EMAIL":          app.DemoUserEmail,
		"PASSWORD":       app.DemoUserPassword,
		"SCREENSHOT_DIR": shots,
		"STRICT_CONSOLE": "1",
	})
	steps := map[string]json.RawMessage{}
	for _, r := range results {
		var s struct{ Step string }
		_ = json.Unmarshal(r, &s)
		steps[s.Step] = r
	}
	var cred struct {
		Count    int
		Resident bool
	}
	_ = json.Unmarshal(steps["credentials"], &cred)
	if cred.Count != 1 || !cred.Resident {
		t.Fatalf("virtual authenticator holds %+v, want one resident credential", cred)
	}
	for step, want := range map[string][]string{
		"conditional":   {"hwk", "user", "mfa"},
		"passwordless":  {"hwk", "user", "mfa"},
		"second-factor": {"pwd", "hwk", "user", "mfa"},
	} {
		t.Run(step, func(t *testing.T) {
			var res struct{ URL, Body string }
			if err := json.Unmarshal(steps[step], &res); err != nil {
				t.Fatalf("no result for %s: %v", step, err)
			}
			c := parseClaims(t, res.Body)
			amr := toStrings(c.IDToken["amr"])
			if !slices.Equal(amr, want) || c.IDToken["acr"] != "urn:admit:acr:mfa" {
				t.Fatalf("id token amr %v acr %v, want %v and urn:admit:acr:mfa", amr, c.IDToken["acr"], want)
			}
		})
	}
	var bare struct {
		Message                string
		Disabled, PasswordForm bool
	}
	_ = json.Unmarshal(steps["unsupported"], &bare)
	if !strings.Contains(bare.Message, "does not support passkeys") || !bare.Disabled || !bare.PasswordForm {
		t.Errorf("browser without WebAuthn: %+v", bare)
	}
	for _, name := range []string{"passkey-unsupported.png", "passkey-new.png", "passkey-account.png", "passkey-login.png", "passkey-second-factor.png"} {
		checkPNG(t, filepath.Join(shots, name))
	}
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, s := range list {
		str, _ := s.(string)
		out = append(out, str)
	}
	return out
}
