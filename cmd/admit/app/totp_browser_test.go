package app_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
	"github.com/admit-idp/admit/login/totp"
)

// TestBrowserTOTPEnrol turns TOTP on through the account pages in headless
// Chromium (the script computes the code from the key shown on the page)
// and keeps screenshots of the enrolment and backup-code pages.
func TestBrowserTOTPEnrol(t *testing.T) {
	e := newEnv(t, memoryBackend)
	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)
	results := browsertest.Run(t, "scripts/totp.mjs", map[string]string{
		"START_URL":      e.issuer + "/account/security",
		"EMAIL":          app.DemoUserEmail,
		"PASSWORD":       app.DemoUserPassword,
		"NOW_UNIX":       strconv.FormatInt(e.clock.Now().Unix(), 10),
		"SCREENSHOT_DIR": shots,
		"STRICT_CONSOLE": "1",
	})
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1", len(results))
	}
	var res struct {
		Secret  string
		QRWidth int
		Codes   []string
		Status  string
	}
	if err := json.Unmarshal(results[0], &res); err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}$`)
	if len(res.Codes) != totp.BackupCodeCount || !code.MatchString(res.Codes[0]) || res.QRWidth < 100 {
		t.Fatalf("result = %+v", res)
	}
	if !strings.HasPrefix(res.Status, "On") {
		t.Fatalf("account section after enrolment: %q", res.Status)
	}
	for _, name := range []string{"totp-enrol.png", "totp-backup-codes.png"} {
		checkPNG(t, filepath.Join(shots, name))
	}
}
