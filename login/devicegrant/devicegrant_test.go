package devicegrant

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
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

// TestGlobalUserCodeLimitCountsFailuresOnly: lookups of a valid code (a
// legitimate approval makes several) do not spend the global budget, so
// they cannot be used, nor can they make anyone else's /device a 429;
// failed guesses from many addresses still spend it, and once it is spent
// every lookup is refused.
func TestGlobalUserCodeLimitCountsFailuresOnly(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	st := memory.New(func() time.Time { return now })
	if err := st.CreateDeviceAuthorization(t.Context(), storage.DeviceAuthorization{
		DeviceCodeHash: "h", UserCode: "BCDFGHJK", ClientID: "tv", CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute),
	}); err != nil {
		t.Fatal(err)
	}
	p := &Pages{
		Engine: &login.Engine{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		Store:  st, Limiter: st,
		Limits: Limits{PerIP: storage.Rate{Limit: 100, Period: time.Minute}, Global: storage.Rate{Limit: 3, Period: time.Minute}},
	}
	h := p.Routes()
	try := func(i int, code string) int {
		form := url.Values{"csrf_token": {strings.Repeat("c", 43)}, "user_code": {code}}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: "admit_csrf", Value: strings.Repeat("c", 43)})
		r.RemoteAddr = "192.0.2." + strconv.Itoa(i+1) + ":1234"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for i := range 10 {
		if got := try(i, "BCDF-GHJK"); got != http.StatusSeeOther {
			t.Fatalf("valid lookup %d: status %d, want %d", i+1, got, http.StatusSeeOther)
		}
	}
	for i := range 4 {
		want := http.StatusBadRequest
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if got := try(20+i, "BCDF-GHJM"); got != want {
			t.Fatalf("guess %d after the valid lookups: status %d, want %d", i+1, got, want)
		}
	}
	if got := try(30, "BCDF-GHJK"); got != http.StatusTooManyRequests {
		t.Fatalf("valid code once the budget is spent: status %d, want %d", got, http.StatusTooManyRequests)
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
