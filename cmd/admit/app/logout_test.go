package app_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestLogoutIsNotAnOpenRedirect: /logout only redirects to targets op
// validated and signed.
func TestLogoutIsNotAnOpenRedirect(t *testing.T) {
	e := newEnv(t, memoryBackend)
	q := url.Values{"to": {"https://evil.example/"}, "sig": {"forged"}}
	p := e.browser().get(e.issuer + "/logout?" + q.Encode())
	if p.status != http.StatusBadRequest || p.location != nil {
		t.Fatalf("forged logout link: status %d location %v", p.status, p.location)
	}
}

// TestEndSessionRefusesUnregisteredPostLogoutURI: op validates the target
// against the client's registered post-logout URIs.
func TestEndSessionRefusesUnregisteredPostLogoutURI(t *testing.T) {
	e := newEnv(t, memoryBackend)
	q := url.Values{"client_id": {"demo-app"}, "post_logout_redirect_uri": {"https://evil.example/"}}
	p := e.browser().get(e.issuer + "/end_session?" + q.Encode())
	if p.location != nil && p.location.Host == "evil.example" {
		t.Fatalf("end_session redirected to an unregistered URI")
	}
	if p.status < 400 {
		t.Fatalf("status %d, want an error", p.status)
	}
}
