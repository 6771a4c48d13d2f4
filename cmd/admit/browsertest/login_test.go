package browsertest

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoginScriptAgainstTemplates runs scripts/login.mjs through the real
// templates and stylesheet under the production CSP. STRICT_CONSOLE turns
// any CSP violation (an inline style or script) into a failure.
func TestLoginScriptAgainstTemplates(t *testing.T) {
	const email, password = "ada@example.com", "correct horse battery staple"
	srv := newFakeIdP(t, email, password)
	shots := t.TempDir()
	results := Run(t, "scripts/login.mjs", map[string]string{
		"START_URL":      srv.URL + "/start",
		"EMAIL":          email,
		"PASSWORD":       password,
		"SCREENSHOT_DIR": shots,
		"STRICT_CONSOLE": "1",
	})
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1: %s", len(results), results)
	}
	var got struct{ URL, Body string }
	if err := json.Unmarshal(results[0], &got); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(got.URL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/callback" || u.Query().Get("code") != fakeCode || u.Query().Get("state") != fakeState {
		t.Errorf("callback URL = %q", got.URL)
	}
	if !strings.Contains(got.Body, "code="+fakeCode) {
		t.Errorf("callback body = %q", got.Body)
	}
	assertPNG(t, filepath.Join(shots, "login-page.png"))
	assertPNG(t, filepath.Join(shots, "consent-page.png"))
}

func TestLoginScriptReportsRejectedPassword(t *testing.T) {
	srv := newFakeIdP(t, "ada@example.com", "right")
	msg := expectFatal(t, func(tb testing.TB) {
		Run(tb, "scripts/login.mjs", map[string]string{
			"START_URL":      srv.URL + "/start",
			"EMAIL":          "ada@example.com",
			"PASSWORD":       "wrong",
			"SCREENSHOT_DIR": t.TempDir(),
		})
	})
	if !strings.Contains(msg, "sign-in rejected: That email and password don't match.") {
		t.Errorf("failure does not carry the page's error:\n%s", msg)
	}
}

// TestPagesFitSmallScreens loads every page at 320 px wide and checks that
// none scrolls sideways, under the production CSP.
func TestPagesFitSmallScreens(t *testing.T) {
	srv := newFakeIdP(t, "ada@example.com", "pw")
	paths := []string{"/authorize", "/pages/login-error", "/consent", "/pages/error", "/pages/message"}
	urls := make([]string, len(paths))
	for i, p := range paths {
		urls[i] = srv.URL + p
	}
	results := Run(t, "scripts/pages.mjs", map[string]string{
		"URLS":           strings.Join(urls, " "),
		"VIEWPORT":       "320x640",
		"STRICT_CONSOLE": "1",
	})
	if len(results) != len(paths) {
		t.Fatalf("got %d results, want %d", len(results), len(paths))
	}
	for i, raw := range results {
		var page struct {
			URL, Title, H1           string
			ScrollWidth, ClientWidth int
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			t.Fatal(err)
		}
		if page.URL != urls[i] || page.H1 == "" || !strings.HasSuffix(page.Title, "· Admit") {
			t.Errorf("page %d = %+v", i, page)
		}
		if page.ClientWidth != 320 || page.ScrollWidth > page.ClientWidth {
			t.Errorf("%s: scrollWidth %d, clientWidth %d: the page overflows 320 px", paths[i], page.ScrollWidth, page.ClientWidth)
		}
	}
}
