package browsertest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// selftestServer serves a form and the page it submits to, nothing of Admit.
func selftestServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><title>Self-test</title><link rel="icon" href="data:,"></head><body>
<form data-testid="form" method="post" action="/greet">
<label for="name">Name</label><input id="name" name="name" data-testid="name">
<button type="submit" data-testid="submit">Go</button>
</form></body></html>`)
	})
	mux.HandleFunc("POST /greet", func(w http.ResponseWriter, r *http.Request) {
		// Post/redirect/get, as the login pages do.
		http.Redirect(w, r, "/done?name="+url.QueryEscape(r.PostFormValue("name")), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /done", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Done</title><link rel="icon" href="data:,"><p data-testid="greeting">Hello, %s!</p>`, html.EscapeString(r.URL.Query().Get("name")))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestSelfTestDrivesChromium(t *testing.T) {
	srv := selftestServer(t)
	shots := t.TempDir()
	results := Run(t, "scripts/selftest.mjs", map[string]string{
		"BASE_URL":       srv.URL + "/",
		"NAME":           "Ada & <Grace>",
		"SCREENSHOT_DIR": shots,
	})
	if len(results) != 2 {
		t.Fatalf("got %d results, want 2: %s", len(results), results)
	}

	var loaded struct{ Step, Title, UserAgent string }
	if err := json.Unmarshal(results[0], &loaded); err != nil {
		t.Fatal(err)
	}
	if loaded.Step != "loaded" || loaded.Title != "Self-test" {
		t.Errorf("first result = %+v", loaded)
	}
	// Proves it is the real (headless) Chromium, not some other engine.
	if !strings.Contains(loaded.UserAgent, "Chrome/") {
		t.Errorf("user agent %q is not Chromium's", loaded.UserAgent)
	}

	var done struct{ Step, URL, Greeting string }
	if err := json.Unmarshal(results[1], &done); err != nil {
		t.Fatal(err)
	}
	if done.Step != "done" || done.Greeting != "Hello, Ada & <Grace>!" {
		t.Errorf("second result = %+v", done)
	}
	if want := srv.URL + "/done?name=" + url.QueryEscape("Ada & <Grace>"); done.URL != want {
		t.Errorf("final URL = %q, want %q", done.URL, want)
	}
	assertPNG(t, filepath.Join(shots, "selftest-form.png"))
}

func TestSelfTestFailureSavesScreenshot(t *testing.T) {
	srv := selftestServer(t)
	shots := t.TempDir()
	msg := expectFatal(t, func(tb testing.TB) {
		Run(tb, "scripts/selftest.mjs", map[string]string{
			"BASE_URL":         srv.URL + "/",
			"NAME":             "x",
			"SCREENSHOT_DIR":   shots,
			"MISSING_SELECTOR": "[data-testid=does-not-exist]",
		})
	})
	if !strings.Contains(msg, "does-not-exist") || !strings.Contains(msg, "exit status 1") {
		t.Errorf("failure message does not explain the failure:\n%s", msg)
	}
	assertPNG(t, filepath.Join(shots, "failure.png"))
}

// assertPNG fails unless path is a PNG file.
func assertPNG(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if !strings.HasPrefix(string(data), "\x89PNG\r\n\x1a\n") {
		t.Errorf("%s is not a PNG", path)
	}
}
