package login

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDeliverToClient(t *testing.T) {
	redirect := func(to string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Location", to)
			w.WriteHeader(http.StatusFound)
		}
	}
	formPost := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<form method="post" action="https://rp.example/cb"></form>`))
	}
	errorPage := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("bad"))
	}
	const code = "https://rp.example/cb?code=c1&state=s%27%3C"
	tests := []struct {
		name         string
		keepRedirect bool
		answer       func(http.ResponseWriter)
		wantStatus   int
		wantLocation string
		wantInBody   []string
		wantCSP      string
	}{
		{name: "web redirect after a page becomes a page", answer: redirect(code), wantStatus: http.StatusOK,
			wantInBody: []string{`<meta http-equiv="refresh" content="0;url=https://rp.example/cb?code=c1&amp;state=s%27%3C">`, `data-testid="continue-link"`}},
		{name: "the client's own navigation keeps its redirect", keepRedirect: true, answer: redirect(code),
			wantStatus: http.StatusFound, wantLocation: code},
		{name: "a native app's private-use scheme keeps the redirect", answer: redirect("com.example.app:/cb?code=c1"),
			wantStatus: http.StatusFound, wantLocation: "com.example.app:/cb?code=c1"},
		{name: "form_post may reach any web origin", answer: formPost, wantStatus: http.StatusOK,
			wantInBody: []string{`action="https://rp.example/cb"`}, wantCSP: "form-action *"},
		{name: "an error passes through", answer: errorPage, wantStatus: http.StatusBadRequest, wantInBody: []string{"bad"},
			wantCSP: "form-action 'self'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			w.Header().Set("Content-Security-Policy", "default-src 'self'; form-action 'self'")
			r := httptest.NewRequest(http.MethodPost, "/login/password", nil)
			DeliverToClient(w, r, tt.keepRedirect, tt.answer)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
			}
			if got := w.Header().Get("Location"); got != tt.wantLocation {
				t.Errorf("Location = %q, want %q", got, tt.wantLocation)
			}
			for _, want := range tt.wantInBody {
				if !strings.Contains(w.Body.String(), want) {
					t.Errorf("body lacks %s:\n%s", want, w.Body)
				}
			}
			if tt.wantCSP != "" && !strings.Contains(w.Header().Get("Content-Security-Policy"), tt.wantCSP) {
				t.Errorf("CSP = %q, want it to contain %q", w.Header().Get("Content-Security-Policy"), tt.wantCSP)
			}
			if tt.wantStatus == http.StatusOK && tt.wantLocation == "" && w.Header().Get("Cache-Control") != "no-store" && tt.wantCSP == "" {
				t.Errorf("a page carrying a code must not be cached: Cache-Control %q", w.Header().Get("Cache-Control"))
			}
		})
	}
}
