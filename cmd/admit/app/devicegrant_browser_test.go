package app_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
)

// TestBrowserDeviceGrant is the device grant end to end: x/oauth2 plays two
// devices; headless Chromium on a phone viewport plays the user, typing
// the first code (after a wrong one) and opening the second device's
// verification_uri_complete; both devices then get tokens. Screenshots of
// every device page are kept.
func TestBrowserDeviceGrant(t *testing.T) {
	_, d := newDeviceEnv(t, memoryBackend)
	first, second := d.start(t), d.start(t)
	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)
	results := browsertest.Run(t, "scripts/device.mjs", map[string]string{
		"VERIFY_URL":     first.VerificationURI,
		"USER_CODE":      first.UserCode,
		"COMPLETE_URL":   second.VerificationURIComplete,
		"EMAIL":          app.DemoUserEmail,
		"PASSWORD":       app.DemoUserPassword,
		"VIEWPORT":       "390x844",
		"SCREENSHOT_DIR": shots,
		"STRICT_CONSOLE": "1",
	})
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1", len(results))
	}
	var res struct {
		Error, ShownCode, Client, First, Prefilled, Second string
		AsksToConfirm                                      bool
	}
	if err := json.Unmarshal(results[0], &res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Error, "not valid") || res.ShownCode != first.UserCode || res.Client != "Box office terminal" ||
		res.First != "Device connected" || res.Prefilled != second.UserCode || !res.AsksToConfirm || res.Second != "Device connected" {
		t.Fatalf("result = %+v", res)
	}
	for _, r := range []*oauth2.DeviceAuthResponse{first, second} {
		if tok, err := d.token(t, r); err != nil || tok.AccessToken == "" {
			t.Fatalf("device token: %v", err)
		}
	}
	for _, name := range []string{"device-entry.png", "device-wrong-code.png", "device-sign-in.png", "device-consent.png", "device-done.png", "device-entry-prefilled.png"} {
		checkPNG(t, filepath.Join(shots, name))
	}
}
