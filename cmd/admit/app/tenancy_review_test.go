package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
)

// TestIntrospectionRespectsTenants: a token is active only to a client of
// its own tenant, and stops being active while its tenant is suspended or
// its user disabled, as userinfo answers it.
func TestIntrospectionRespectsTenants(t *testing.T) {
	e := newEnv(t, postgresBackend)
	ac := newAcme(t, e)
	demo := e.rp(app.DemoClientID, app.DemoClientSecret)
	code, ar, _ := codeFor(t, e, demo)
	tok, err := demo.exchange(code, ar)
	if err != nil {
		t.Fatal(err)
	}
	if got := demo.introspect(tok.AccessToken); got["active"] != true || got["tenant_id"] != storage.DefaultTenantID {
		t.Fatalf("own tenant's introspection: %v", got)
	}
	if got := e.rp(ac.clientID, acmeSecret).introspect(tok.AccessToken); got["active"] != false {
		t.Fatalf("another tenant's client introspecting: %v, want active false", got)
	}
	u := e.demoUser()
	if err := e.app.Stores.Durable.SetUserDisabled(context.Background(), storage.DefaultTenantID, u.ID, true, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got := demo.introspect(tok.AccessToken); got["active"] != false {
		t.Fatalf("a disabled user's token: %v, want active false", got)
	}
}

// TestTokenEndsWithTheFirstGrantBehindIt: a role granted until a time does
// not stay in an access token past it; the next refresh drops it.
func TestTokenEndsWithTheFirstGrantBehindIt(t *testing.T) {
	e := newEnv(t, memoryBackend)
	u := e.demoUser()
	until := e.clock.Now().Add(3 * time.Minute)
	e.grant(u, "admin", "", until)
	r := e.rp(app.DemoClientID, app.DemoClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	tok := e.codeSignIn(r)
	c := e.verifiedClaims(tok.AccessToken)
	if c.Expiry != until.Unix() || !strings.Contains(strings.Join(c.Roles, " "), "admin") {
		t.Fatalf("token exp %d roles %v, want exp %d (the grant's end) with admin", c.Expiry, c.Roles, until.Unix())
	}
	e.clock.Advance(3 * time.Minute)
	next, err := r.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if c := e.verifiedClaims(next.AccessToken); strings.Contains(strings.Join(c.Roles, " "), "admin") || c.Expiry <= until.Unix() {
		t.Fatalf("after the grant ended: roles %v exp %d", c.Roles, c.Expiry)
	}
}

// TestSignOutWorksWhileTheTenantIsSuspended: RP-initiated logout of a
// suspended tenant's client still ends the browser's session.
func TestSignOutWorksWhileTheTenantIsSuspended(t *testing.T) {
	e := newEnv(t, memoryBackend)
	_, _, br := codeFor(t, e, e.rp(app.DemoClientID, app.DemoClientSecret))
	e.setTenantStatus(storage.DefaultTenantID, storage.TenantSuspended)
	p := br.confirmSignOut(br.get(e.issuer + "/end_session?client_id=" + app.DemoClientID))
	for p.location != nil && p.location.Host == strings.TrimPrefix(e.issuer, "http://") {
		p = br.get(p.location.String())
	}
	if p.status >= 400 {
		t.Fatalf("end_session for a suspended tenant's client: status %d: %s", p.status, p.body)
	}
	e.setTenantStatus(storage.DefaultTenantID, storage.TenantActive)
	if p := br.get(e.issuer + "/account"); p.testid("login-form").Length() == 0 {
		t.Fatalf("still signed in after signing out during the suspension: status %d", p.status)
	}
}

// TestTenantLinksAndExpiredPages: a malformed ?tenant= is an unknown
// organisation (not an outage); forgot-password from an expired flow asks
// to start again rather than searching the default tenant; the page after
// a password reset links to the user's own tenant's sign-in.
func TestTenantLinksAndExpiredPages(t *testing.T) {
	e := newEnv(t, postgresBackend)
	newAcme(t, e)
	// Bytes no text may hold are refused by the input filter (400); a
	// well-formed but impossible slug is an unknown organisation (404).
	for q, want := range map[string]int{"%ff": 400, "%00": 400, "UPPER": 404, strings.Repeat("a", 70): 404, "no-such-org": 404} {
		if p := e.browser().get(e.issuer + "/account?tenant=" + q); p.status != want {
			t.Errorf("tenant=%s: status %d, want %d", q, p.status, want)
		}
	}
	br := e.browser()
	form := br.get(e.issuer + "/login/forgot?flow=no-such-flow")
	p := br.post("/login/forgot", url.Values{"csrf_token": {form.hidden("csrf_token")}, "flow": {"no-such-flow"}, "email": {app.DemoUserEmail}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "expired") {
		t.Fatalf("forgot with an expired flow: status %d: %s", p.status, p.body)
	}
	if got := e.app.Engine.AccountURL(context.Background(), e.acmeTenantID(t)); got != "/account?tenant=acme" {
		t.Fatalf("account URL of an acme user = %q", got)
	}
	if got := e.app.Engine.AccountURL(context.Background(), storage.DefaultTenantID); got != "/account" {
		t.Fatalf("account URL of a default-tenant user = %q", got)
	}
}

func (e *env) acmeTenantID(t *testing.T) string {
	tn, err := e.app.Stores.Durable.GetTenantBySlug(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}
