package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/app"
)

func TestAccountAreaSignsInAndOut(t *testing.T) {
	e := newEnv(t, memoryBackend)
	br := e.browser()
	p := br.get(e.issuer + "/account")
	if p.testid("login-form").Length() == 0 || !strings.Contains(p.body, "your Admit account") {
		t.Fatalf("/account without a session: status %d, want the login page", p.status)
	}
	p = br.submitLogin(p, app.DemoUserEmail, app.DemoUserPassword)
	if p.url.Path != "/account" || !strings.Contains(p.testid("account-user").Text(), app.DemoUserEmail) {
		t.Fatalf("after login: %s status %d", p.url, p.status)
	}
	p = br.post("/account/logout", url.Values{"csrf_token": {p.hidden("csrf_token")}})
	if p.status != http.StatusOK || p.testid("message-title").Length() == 0 {
		t.Fatalf("logout: status %d", p.status)
	}
	if p := br.get(e.issuer + "/account"); p.testid("login-form").Length() == 0 {
		t.Fatal("still signed in after logout")
	}
}

func TestAccountLogoutNeedsCSRF(t *testing.T) {
	e := newEnv(t, memoryBackend)
	br := e.browser()
	br.submitLogin(br.get(e.issuer+"/account"), app.DemoUserEmail, app.DemoUserPassword)
	if p := br.post("/account/logout", url.Values{}); p.status != http.StatusForbidden {
		t.Fatalf("logout without CSRF token: status %d", p.status)
	}
}
