package static

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, target string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Result()
}

func TestHandlerServesCSS(t *testing.T) {
	want, err := FS.ReadFile("admit.css")
	if err != nil {
		t.Fatalf("read embedded admit.css: %v", err)
	}
	// Mounted the way the server does it, to prove the prefix handling.
	h := http.StripPrefix("/static", Handler())
	res := get(t, h, "/static/admit.css")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type = %q, want text/css", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=3600" {
		t.Errorf("Cache-Control = %q", cc)
	}
	if nos := res.Header.Get("X-Content-Type-Options"); nos != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", nos)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if string(body) != string(want) {
		t.Error("body differs from the embedded admit.css")
	}
}

func TestHandlerNotFound(t *testing.T) {
	for _, target := range []string{"/missing.css", "/", "/../embed.go", "/embed.go"} {
		t.Run(target, func(t *testing.T) {
			res := get(t, Handler(), target)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("status = %d, want 404", res.StatusCode)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "" {
				t.Errorf("a 404 carries Cache-Control %q", cc)
			}
		})
	}
}

// TestCSSIsSelfContained guards the CSP (style-src 'self', no CDN, no web
// fonts): the stylesheet must not pull anything from elsewhere.
func TestCSSIsSelfContained(t *testing.T) {
	css, err := FS.ReadFile("admit.css")
	if err != nil {
		t.Fatalf("read embedded admit.css: %v", err)
	}
	for _, banned := range []string{"@import", "url(", "@font-face", "http:", "https:"} {
		if strings.Contains(string(css), banned) {
			t.Errorf("admit.css contains %q", banned)
		}
	}
}
