package devicegrant

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/memory"
)

// TestGlobalUserCodeLimit: guesses spread over many addresses still meet
// the global limit (RFC 8628 5.1), and a refusal is a 429 page.
func TestGlobalUserCodeLimit(t *testing.T) {
	st := memory.New(func() time.Time { return time.Unix(1_700_000_000, 0) })
	p := &Pages{
		Engine: &login.Engine{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		Store:  st, Limiter: st,
		Limits: Limits{PerIP: storage.Rate{Limit: 100, Period: time.Minute}, Global: storage.Rate{Limit: 3, Period: time.Minute}},
	}
	h := p.Routes()
	for i := range 4 {
		form := url.Values{"csrf_token": {strings.Repeat("c", 43)}, "user_code": {"BCDF-GHJK"}}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: "admit_csrf", Value: strings.Repeat("c", 43)})
		r.RemoteAddr = "192.0.2." + string(rune('1'+i)) + ":1234"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		want := http.StatusBadRequest // unknown code
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if w.Code != want {
			t.Fatalf("guess %d from its own address: status %d, want %d", i+1, w.Code, want)
		}
	}
}

// TestUserCodeNormalised: case, dashes and spaces do not matter; anything
// outside the alphabet is not a code.
func TestUserCodeNormalised(t *testing.T) {
	for typed, want := range map[string]string{"bcdf-ghjk": "BCDFGHJK", " BCDF GHJK ": "BCDFGHJK", "BCDFGHJK": "BCDFGHJK", "BCDF-GHJA": "", "BCD": "", "BCDF-GHJK-L": ""} {
		if got := storage.NormalizeUserCode(typed); got != want {
			t.Errorf("%q → %q, want %q", typed, got, want)
		}
	}
}
