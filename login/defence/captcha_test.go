package defence

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/admit-idp/admit/login"
)

// siteverify is a local server speaking the siteverify protocol: tokens
// "ok", "low" (score 0.1), anything else fails.
func siteverify(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.PostFormValue("secret") != "s3cret" {
			_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "error-codes": []string{"invalid-input-secret"}})
			return
		}
		switch r.PostFormValue("response") {
		case "ok":
			_ = json.NewEncoder(w).Encode(map[string]any{"success": true, "score": 0.9})
		case "low":
			_ = json.NewEncoder(w).Encode(map[string]any{"success": true, "score": 0.1})
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "error-codes": []string{"invalid-input-response"}})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCaptchaVerify(t *testing.T) {
	srv := siteverify(t)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	tests := []struct {
		name, provider, url, token string
		minScore                   float64
		failOpen                   bool
		wantPass                   bool
		wantErr                    error
	}{
		{"hcaptcha success", "hcaptcha", srv.URL, "ok", 0, false, true, nil},
		{"turnstile failure", "turnstile", srv.URL, "bad", 0, false, false, ErrCaptchaRejected},
		{"recaptcha v3 low score", "recaptcha", srv.URL, "low", 0.5, false, false, ErrCaptchaRejected},
		{"recaptcha v3 high enough", "recaptcha", srv.URL, "ok", 0.5, false, true, nil},
		{"missing response", "hcaptcha", srv.URL, "", 0, true, false, ErrCaptchaMissing},
		{"unreachable, fail closed", "hcaptcha", downURL, "ok", 0, false, false, ErrCaptchaUnreachable},
		{"unreachable, fail open", "hcaptcha", downURL, "ok", 0, true, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := LookupProvider(tc.provider)
			p.VerifyURL = tc.url
			c := &Captcha{Provider: p, SiteKey: "site", Secret: "s3cret", MinScore: tc.minScore, FailOpen: tc.failOpen, Logger: slog.New(slog.DiscardHandler)}
			form := url.Values{p.ResponseField: {tc.token}}
			r := httptest.NewRequest(http.MethodPost, "/login/password", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			err := c.Check(r)
			if (err == nil) != tc.wantPass || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Fatalf("Check = %v, want pass=%v err=%v", err, tc.wantPass, tc.wantErr)
			}
		})
	}
}

func TestCaptchaRequiredAfterThreeFailures(t *testing.T) {
	g, _, _ := newGuard(t)
	p, _ := LookupProvider("turnstile")
	p.VerifyURL = siteverify(t).URL
	g.Captcha = &Captcha{Provider: p, SiteKey: "site", Secret: "s3cret", Logger: slog.New(slog.DiscardHandler)}
	for i := range 3 {
		if c, _ := g.CaptchaFor(req("192.0.2.1"), "ada@example.com"); c.Shown() {
			t.Fatalf("captcha after %d failures", i)
		}
		_, _ = g.Failed(req("192.0.2.1"), attempt("ada@example.com"))
	}
	c, _ := g.CaptchaFor(req("192.0.2.1"), "ada@example.com")
	if !c.Shown() || c.Class != "cf-turnstile" || c.Origins[0] != "https://challenges.cloudflare.com" {
		t.Fatalf("widget %+v", c)
	}
	// Another IP, same identifier: still required (per identifier).
	if c, _ := g.CaptchaFor(req("198.51.100.1"), "ada@example.com"); !c.Shown() {
		t.Fatal("captcha not required per identifier")
	}
	v, _ := g.Check(req("192.0.2.1"), attempt("ada@example.com"))
	if !v.Refused || v.Reason != login.RefuseCaptcha {
		t.Fatalf("attempt without captcha: %+v", v)
	}
	r := req("192.0.2.1")
	r.Body = http.NoBody
	r.Form = url.Values{p.ResponseField: {"ok"}}
	r.PostForm = r.Form
	if v, _ := g.Check(r, attempt("ada@example.com")); v.Refused {
		t.Fatalf("attempt with a valid captcha: %+v", v)
	}
}
