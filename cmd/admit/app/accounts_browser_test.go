package app_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/browsertest"
)

// TestBrowserAccounts walks sign-up, the confirmation link from the
// development mailbox and the account area in headless Chromium, with
// screenshots of each page.
func TestBrowserAccounts(t *testing.T) {
	e := newAccountsEnv(t, memoryBackend, nil, nil)
	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)
	results := browsertest.Run(t, "scripts/accounts.mjs", map[string]string{
		"START_URL":      e.issuer + "/account",
		"MAILBOX_URL":    e.issuer + "/dev/mailbox",
		"EMAIL":          "ada@example.com",
		"PASSWORD":       newUserPassword,
		"SCREENSHOT_DIR": shots,
		"STRICT_CONSOLE": "1",
	})
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1", len(results))
	}
	var res struct {
		LiveProblem, AfterSignup, Account, Notice string
		Sessions                                  int
	}
	if err := json.Unmarshal(results[0], &res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.LiveProblem, "at least 8") || res.AfterSignup != "Check your inbox" ||
		!strings.Contains(res.Account, "ada@example.com") || !strings.Contains(res.Notice, "profile was saved") || res.Sessions != 1 {
		t.Fatalf("result = %+v", res)
	}
	for _, name := range []string{"accounts-signup-live.png", "accounts-check-inbox.png", "accounts-mailbox.png", "accounts-account-full.png"} {
		checkPNG(t, filepath.Join(shots, name))
	}
}
