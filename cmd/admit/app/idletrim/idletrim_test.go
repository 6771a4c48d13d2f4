package idletrim

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestTrimsOncePerQuietSpell(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	type step struct {
		at       time.Duration // since t0
		requests int           // sent just before this check
		want     bool          // trimmed at this check
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"quiet from the start: the first check only starts the count", []step{{0, 0, false}, {29 * time.Second, 0, false}, {30 * time.Second, 0, true}}},
		{"the ticker's jitter is tolerated", []step{{0, 0, false}, {29900 * time.Millisecond, 0, true}}},
		{"once per spell", []step{{0, 0, false}, {30 * time.Second, 0, true}, {60 * time.Second, 0, false}, {10 * time.Minute, 0, false}}},
		{"a request ends the spell and the next one trims again", []step{{0, 0, false}, {30 * time.Second, 0, true}, {40 * time.Second, 1, false}, {69 * time.Second, 0, false}, {70 * time.Second, 0, true}}},
		{"steady traffic never trims", []step{{0, 1, false}, {30 * time.Second, 1, false}, {60 * time.Second, 5, false}, {90 * time.Second, 1, false}}},
		{"quiet counts from the last request seen", []step{{0, 0, false}, {20 * time.Second, 3, false}, {45 * time.Second, 0, false}, {50 * time.Second, 0, true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trims := 0
			tr := New(30*time.Second, func() { trims++ }, "/healthz")
			h := tr.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			for i, s := range tc.steps {
				for range s.requests {
					h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/token", nil))
				}
				before := trims
				if got := tr.check(t0.Add(s.at)); got != s.want || trims-before != map[bool]int{true: 1}[s.want] {
					t.Fatalf("step %d (%s, %d requests): trimmed %v (Trim called %d times), want %v", i, s.at, s.requests, got, trims-before, s.want)
				}
			}
		})
	}
}

func TestProbesDoNotEndTheQuiet(t *testing.T) {
	tr := New(time.Minute, func() {}, "/healthz", "/readyz", "/metrics")
	h := tr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/metrics"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 204 {
			t.Fatalf("%s: the handler did not run (%d)", path, rec.Code)
		}
	}
	if n := tr.requests.Load(); n != 0 {
		t.Fatalf("probes counted as %d requests", n)
	}
	for _, path := range []string{"/token", "/healthz/x", "/login"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	if n := tr.requests.Load(); n != 3 {
		t.Fatalf("requests counted %d, want 3", n)
	}
}
