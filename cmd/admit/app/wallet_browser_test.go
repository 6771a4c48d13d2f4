package app_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
)

// TestBrowserWallet drives wallet sign-in in headless Chromium with test
// wallets injected into the page (scripts/wallet.mjs): a declined request
// and a wrong signature show errors, an unknown Ethereum wallet signs up,
// signs out and signs in again through a real RP (id token checked by the
// RP, claims checked here), and two Solana wallets are linked in the
// account area, one through window.solana, one through the Wallet Standard,
// then a second Ethereum wallet chosen among two EIP-6963 announcements.
func TestBrowserWallet(t *testing.T) {
	e := newEnv(t, memoryBackend)
	rp := newWalletBrowserRP(t, e)
	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)
	results := browsertest.Run(t, "scripts/wallet.mjs", map[string]string{
		"START_URL": rp.srv.URL + "/start", "ACCOUNT_URL": e.issuer + "/account/sign-in",
		"SCREENSHOT_DIR": shots, "STRICT_CONSOLE": "1",
	})
	if len(results) != 6 {
		t.Fatalf("got %d results, want 6: %s", len(results), results)
	}
	var keys struct{ Address, SolAddress, StdAddress, SecondAddress string }
	_ = json.Unmarshal(results[0], &keys)
	want := []string{"eip155:1:" + keys.Address}
	var subs []string
	for i, raw := range results[1:3] {
		var res struct{ URL, Body string }
		_ = json.Unmarshal(raw, &res)
		c := parseClaims(t, res.Body)
		sub, _ := c.IDToken["sub"].(string)
		subs = append(subs, sub)
		if got := strings.Join(stringList(c.IDToken["wallets"]), " "); got != want[0] {
			t.Errorf("login %d: id token wallets = %v, want %v", i+1, c.IDToken["wallets"], want)
		}
		if got := stringList(c.UserInfo["wallets"]); !slices.Equal(got, want) {
			t.Errorf("login %d: userinfo wallets = %v, want %v", i+1, got, want)
		}
		if got := stringList(c.IDToken["amr"]); !slices.Equal(got, []string{"swk", "siwe"}) {
			t.Errorf("login %d: amr = %v, want [swk siwe]", i+1, got)
		}
	}
	if subs[0] == "" || subs[0] != subs[1] {
		t.Errorf("subjects %v: want the same account twice", subs)
	}
	notices := []string{"Solana wallet linked", "Solana wallet linked", "Ethereum wallet linked"}
	for i, address := range []string{keys.SolAddress, keys.StdAddress, keys.SecondAddress} {
		var link struct {
			Notice string
			Rows   []string
		}
		_ = json.Unmarshal(results[3+i], &link)
		if !strings.Contains(link.Notice, notices[i]) || len(link.Rows) != 2+i || !strings.Contains(strings.Join(link.Rows, " "), address) {
			t.Errorf("link %d (%s): %+v", i+1, address, link)
		}
	}
	for _, name := range []string{"wallet-buttons.png", "wallet-error-declined.png", "wallet-error-signature.png", "wallet-chooser.png", "account-wallets.png"} {
		checkPNG(t, filepath.Join(shots, name))
	}
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// newWalletBrowserRP is newBrowserRP for a client that may ask for the
// wallet scope.
func newWalletBrowserRP(t *testing.T, e *env) *browserRP {
	t.Helper()
	return newBrowserRPWith(t, e, browserRPOptions{Hops: 1, ClientID: "wallet-rp", Name: "Wallet RP",
		Scopes: []string{oidc.ScopeOpenID, app.ScopeWallet}})
}
