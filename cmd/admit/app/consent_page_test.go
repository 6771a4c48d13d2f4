package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// TestConsentPageNamesTheAppAndLetsYouSwitch: the consent page shows the
// app's own logo from Admit's origin, its policy and terms links, and the
// scopes in words; "Not you?" (a POST with the CSRF token) signs out and
// shows the login page of the same sign-in, which then still ends with a
// code for the other account's sign-in.
func TestConsentPageNamesTheAppAndLetsYouSwitch(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			ctx := context.Background()
			_, secret, err := e.app.Admin.CreateClient(ctx, admin.CLI(), storage.DefaultTenantID, admin.ClientSpec{
				ID: "ticket-shop", Name: "Ticket Shop", RedirectURIs: []string{rpCallback}, Grants: []string{"authorization_code"},
				Scopes: []string{"openid", "profile", "email"}, PolicyURI: "https://shop.example/privacy", TOSURI: "https://shop.example/terms"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.app.Admin.SetBrandLogo(ctx, admin.CLI(), storage.DefaultTenantID, "ticket-shop", testPNG(t)); err != nil {
				t.Fatal(err)
			}
			r := e.rp("ticket-shop", secret)
			ar := r.start()
			br := e.browser()
			p := br.submitLogin(br.get(ar.url), app.DemoUserEmail, app.DemoUserPassword)
			if p.testid("consent-form").Length() != 1 {
				t.Fatalf("want the consent page: %d %s", p.status, p.body)
			}
			if got := p.text("consent-lead"); got != "Ticket Shop wants to access your account." {
				t.Fatalf("lead %q", got)
			}
			logo, _ := p.testid("client-logo").Attr("src")
			policy, _ := p.testid("policy-link").Attr("href")
			terms, _ := p.testid("terms-link").Attr("href")
			if !strings.HasPrefix(logo, "/brand/"+storage.DefaultTenantID+"/ticket-shop/logo") || policy != "https://shop.example/privacy" || terms != "https://shop.example/terms" {
				t.Fatalf("logo %q policy %q terms %q", logo, policy, terms)
			}
			if email := p.testid("scope").FilterFunction(func(_ int, s *goquery.Selection) bool { v, _ := s.Attr("data-scope"); return v == "email" }); !strings.Contains(email.Text(), "See your e-mail address") {
				t.Fatalf("email scope reads %q", email.Text())
			}
			// Not you? A GET does nothing; the POST signs out and restarts.
			if g := br.get(e.issuer + "/login/consent/not-you"); g.status != http.StatusMethodNotAllowed && g.status != http.StatusNotFound {
				t.Fatalf("GET not-you: %d", g.status)
			}
			form := url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}}
			bad := br.post("/login/consent/not-you", url.Values{"flow": {p.hidden("flow")}, "csrf_token": {"forged"}})
			if bad.status != http.StatusForbidden {
				t.Fatalf("not-you without the CSRF token: %d", bad.status)
			}
			p = br.post("/login/consent/not-you", form)
			if p.testid("login-form").Length() != 1 || p.hidden("flow") != form.Get("flow") {
				t.Fatalf("not-you: want the login page of the same flow, got %d: %s", p.status, p.body)
			}
			if acct := br.get(e.issuer + "/account"); acct.testid("login-form").Length() != 1 {
				t.Fatal("the session survived not-you")
			}
			cb := br.callback(br.consent(br.submitLogin(p, app.DemoUserEmail, app.DemoUserPassword), "allow"), ar)
			if _, err := r.exchange(cb.Query().Get("code"), ar); err != nil {
				t.Fatalf("exchange after switching: %v", err)
			}
		})
	}
}
