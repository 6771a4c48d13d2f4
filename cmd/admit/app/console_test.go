package app_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/roles"
)

// consoleUser makes a user of the tenant holding the role.
func (e *env) consoleUser(t *testing.T, tenantID, email, pw, role string) storage.User {
	t.Helper()
	ctx := context.Background()
	u, err := e.app.Admin.CreateUser(ctx, admin.CLI(), tenantID, admin.NewUser{Email: email, Password: pw, EmailVerified: true, SkipPolicy: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Stores.Durable.PutRoleGrant(ctx, storage.RoleGrant{ID: "g-" + u.ID, TenantID: tenantID, UserID: u.ID, Role: role,
		GrantedBy: "cli", GrantedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	return u
}

// consoleSignIn signs a browser in to the console through the hosted
// login (path: "/console/" or "/console/login?tenant=…"): password, then
// TOTP enrolment at the first sign-in (the console client requires a
// second factor) or a code. It returns the dashboard and the TOTP secret.
func (b *browser) consoleSignIn(path, email, pw, secret string) (page, string) {
	b.t.Helper()
	p := b.submitLogin(b.get(b.e.issuer+path), email, pw)
	if secret == "" {
		if p.url.Path != "/login/totp/enrol" {
			b.t.Fatalf("first console sign-in: %s (status %d), want the TOTP enrolment", p.url, p.status)
		}
		secret = p.testid("totp-secret").Text()
		p = b.post("/login/totp/enrol", url.Values{"flow": {p.hidden("flow")}, "csrf_token": {p.hidden("csrf_token")}, "code": {b.e.totpCode(secret)}})
		p = b.continueOn(p, "/login/totp/continue")
	} else {
		p = b.submitCode(p, b.e.nextCode(secret))
	}
	if !strings.HasPrefix(p.url.Path, "/console/") || p.status != http.StatusOK || p.testid("console-role").Length() == 0 {
		b.t.Fatalf("console sign-in ended at %s (status %d): %s", p.url, p.status, p.body)
	}
	return p, secret
}

// consolePost posts a console form with the page's CSRF token.
func (b *browser) consolePost(p page, path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", p.hidden("csrf_token"))
	return b.post(path, form)
}

// TestConsoleFindLockedUserAndUnlock: an operator signs in to the console
// with a second factor, finds a locked customer, sees why, unlocks them,
// and the customer signs in; the audit log names the operator and their
// IP. An idle console session ends after 15 minutes.
func TestConsoleFindLockedUserAndUnlock(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			e.app.Defences.Policy.RateLimits = false
			e.app.Defences.Policy.IPMax = 50
			if err := e.app.SeedConsoleAdmin(context.Background()); err != nil {
				t.Fatal(err)
			}
			op := e.browser()
			p, _ := op.consoleSignIn("/console/", app.DevConsoleEmail, app.DevConsolePassword, "")
			if role := p.testid("console-role").Text(); role != "platform administrator" {
				t.Fatalf("role = %q", role)
			}

			// The customer locks themselves out.
			r := lockOutDemoUser(t, e)

			// "Locked" finds them among every address of the domain.
			p = op.get(e.issuer + "/console/users?locked=yes&q=" + url.QueryEscape("@example.com"))
			if p.testid("user-row").Length() != 1 || !strings.Contains(p.testid("user-link").Text(), app.DemoUserEmail) {
				t.Fatalf("locked filter: status %d, %d rows", p.status, p.testid("user-row").Length())
			}
			p = op.get(e.issuer + "/console/users?q=" + url.QueryEscape("demo@"))
			if p.testid("user-row").Length() != 1 {
				t.Fatalf("search: status %d, %d rows: %s", p.status, p.testid("user-row").Length(), p.body)
			}
			href, _ := p.testid("user-link").Attr("href")
			p = op.get(e.issuer + href)
			why := p.testid("lock-why").Text()
			if p.testid("locked").Length() != 1 || !strings.Contains(why, "too many failed sign-ins") {
				t.Fatalf("user page: status %d, locked %d, why %q", p.status, p.testid("locked").Length(), why)
			}
			if p.testid("action-delete").Length() != 1 {
				t.Fatal("a platform administrator sees no delete button")
			}
			action, _ := p.testid("action-unlock").Parent().Attr("action")
			p = op.consolePost(p, action, nil)
			if p.status != http.StatusOK || p.testid("locked").Length() != 0 || !strings.Contains(p.testid("notice").Text(), "lifted") {
				t.Fatalf("after unlock: status %d, locked %d, notice %q", p.status, p.testid("locked").Length(), p.testid("notice").Text())
			}

			// The customer signs in now.
			ar := r.start()
			cb := e.browser().login(ar, app.DemoUserEmail, app.DemoUserPassword)
			if _, err := r.exchange(cb.Query().Get("code"), ar); err != nil {
				t.Fatalf("customer sign-in after unlock: %v", err)
			}

			// The audit log names the operator and their IP.
			admin0, err := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DevConsoleEmail)
			if err != nil {
				t.Fatal(err)
			}
			auditEvents(t, e, storage.AuditFilter{Event: "admin.user.unlocked"}, func(ev []storage.AuditEvent) bool { return len(ev) == 1 })
			p = op.get(e.issuer + "/console/audit?event=admin.user.unlocked")
			if p.testid("event-row").Length() != 1 || strings.TrimSpace(p.testid("event-actor").Text()) != admin0.ID ||
				strings.TrimSpace(p.testid("event-ip").Text()) != "127.0.0.1" {
				t.Fatalf("audit: %d rows, actor %q, ip %q", p.testid("event-row").Length(), p.testid("event-actor").Text(), p.testid("event-ip").Text())
			}
			exp := op.get(e.issuer + "/console/audit/export?event=admin.user.unlocked")
			if exp.status != http.StatusOK || strings.Count(exp.body, "\n") != 1 || !strings.Contains(exp.body, `"actor_id":"`+admin0.ID+`"`) ||
				!strings.HasPrefix(exp.header.Get("Content-Type"), "application/jsonl") {
				t.Fatalf("export: %d %q %s", exp.status, exp.header.Get("Content-Type"), exp.body)
			}

			// Idle for 16 minutes: the console asks to sign in again.
			e.clock.Advance(16 * time.Minute)
			p = op.get(e.issuer + "/console/users")
			if p.testid("stats").Length() != 0 || p.testid("users").Length() != 0 || !strings.HasPrefix(p.url.Path, "/login") {
				t.Fatalf("after 16 idle minutes: %s (status %d)", p.url, p.status)
			}
		})
	}
}

// TestConsoleCreateClientUsedByGoOIDC: a client created in the console
// (secret shown once) signs a user in through go-oidc.
func TestConsoleCreateClientUsedByGoOIDC(t *testing.T) {
	e := newEnv(t, memoryBackend)
	if err := e.app.SeedConsoleAdmin(context.Background()); err != nil {
		t.Fatal(err)
	}
	op := e.browser()
	op.consoleSignIn("/console/", app.DevConsoleEmail, app.DevConsolePassword, "")
	p := op.get(e.issuer + "/console/clients/new")
	form := url.Values{"id": {"tickets-web"}, "name": {"Tickets"}, "redirect_uris": {rpCallback}, "grants": {"authorization_code refresh_token"},
		"scopes": {"openid profile email"}, "auth_method": {storage.AuthMethodBasic}, "first_party": {"on"}, "access_ttl": {"soon"}}
	// A bad lifetime comes back with the input kept.
	bad := op.consolePost(p, "/console/clients", form)
	if bad.status != http.StatusBadRequest || bad.testid("client-name").AttrOr("value", "") != "Tickets" ||
		bad.doc.Find(`#access_ttl[aria-invalid="true"]`).Length() != 1 {
		t.Fatalf("bad lifetime: status %d: %s", bad.status, bad.testid("error").Text())
	}
	form.Set("access_ttl", "10m")
	p = op.consolePost(bad, "/console/clients", form)
	secret := p.testid("client-secret").Text()
	if p.status != http.StatusOK || len(secret) < 32 {
		t.Fatalf("create: status %d, secret %q: %s", p.status, secret, p.body)
	}
	// Shown once: the client's page does not show it again.
	if again := op.get(e.issuer + "/console/clients/tickets-web"); strings.Contains(again.body, secret) || again.status != http.StatusOK {
		t.Fatalf("client page: status %d, shows the secret again: %v", again.status, strings.Contains(again.body, secret))
	}
	r := e.rp("tickets-web", secret)
	ar := r.start()
	id, _ := r.tokensOf(e.browser().login(ar, app.DemoUserEmail, app.DemoUserPassword), ar)
	if id.AuthTime == 0 {
		t.Fatalf("id token claims = %+v", id)
	}
}

// TestConsoleSupportAgent: a support agent sees no delete, disable or
// client controls, may unlock and send mails, and a forged delete POST is
// refused with 403 and audited.
func TestConsoleSupportAgent(t *testing.T) {
	e := newEnv(t, memoryBackend)
	agent := e.consoleUser(t, storage.DefaultTenantID, "help@example.com", "help-password-1", roles.Support)
	victim, err := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
	if err != nil {
		t.Fatal(err)
	}
	br := e.browser()
	p, _ := br.consoleSignIn("/console/", "help@example.com", "help-password-1", "")
	if role := p.testid("console-role").Text(); role != "support agent" || p.testid("nav-clients").Length() != 0 || p.testid("nav-keys").Length() != 0 {
		t.Fatalf("support shell: role %q, clients %d, keys %d", role, p.testid("nav-clients").Length(), p.testid("nav-keys").Length())
	}
	p = br.get(e.issuer + "/console/users/" + victim.ID)
	if p.status != http.StatusOK || p.testid("action-revoke-sessions").Length() != 1 || p.testid("action-password-reset").Length() != 1 {
		t.Fatalf("user page: status %d: %s", p.status, p.testid("actions").Text())
	}
	for _, id := range []string{"action-delete", "action-disable", "action-reset-mfa", "edit-profile"} {
		if p.testid(id).Length() != 0 {
			t.Errorf("a support agent sees %s", id)
		}
	}
	forged := br.consolePost(p, "/console/users/"+victim.ID+"/delete", url.Values{"confirm": {"yes"}})
	if forged.status != http.StatusForbidden || forged.testid("forbidden").Length() != 1 {
		t.Fatalf("forged delete: status %d", forged.status)
	}
	if c := br.get(e.issuer + "/console/clients"); c.status != http.StatusForbidden {
		t.Fatalf("clients page: status %d", c.status)
	}
	if u, err := e.app.Stores.Durable.GetUser(context.Background(), victim.ID); err != nil || u.Disabled {
		t.Fatalf("victim after the forged delete: %+v %v", u, err)
	}
	events := auditEvents(t, e, storage.AuditFilter{Event: "admin.refused", ActorID: agent.ID}, func(ev []storage.AuditEvent) bool { return len(ev) >= 2 })
	deleteRefused := slices.ContainsFunc(events, func(ev storage.AuditEvent) bool {
		return strings.HasSuffix(ev.Details["operation"], "/delete") && ev.IP == "127.0.0.1" && ev.Outcome == "failure"
	})
	if !deleteRefused {
		t.Fatalf("refusals audited: %+v", events)
	}
}

// TestConsoleTenantAdminSeesOnlyOwnTenant: a tenant administrator signs
// in through their tenant's console client and gets 404 for a user of
// another tenant, whatever the URL says.
func TestConsoleTenantAdminSeesOnlyOwnTenant(t *testing.T) {
	e := newEnv(t, memoryBackend)
	ctx := context.Background()
	tn, err := e.app.Admin.CreateTenant(ctx, admin.CLI(), admin.TenantInput{Slug: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	e.consoleUser(t, tn.ID, "boss@acme.example", "boss-password-1", roles.Admin)
	own, err := e.app.Admin.CreateUser(ctx, admin.CLI(), tn.ID, admin.NewUser{Email: "fan@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.app.Stores.Durable.GetUserByEmail(ctx, storage.DefaultTenantID, app.DemoUserEmail)
	if err != nil {
		t.Fatal(err)
	}
	br := e.browser()
	p, _ := br.consoleSignIn("/console/login?tenant=acme", "boss@acme.example", "boss-password-1", "")
	if role := p.testid("console-role").Text(); role != "tenant administrator" {
		t.Fatalf("role = %q", role)
	}
	if p := br.get(e.issuer + "/console/users/" + own.ID); p.status != http.StatusOK {
		t.Fatalf("own tenant's user: status %d", p.status)
	}
	for _, path := range []string{"/console/users/" + other.ID, "/console/users/" + other.ID + "?tenant=" + storage.DefaultTenantID} {
		if p := br.get(e.issuer + path); p.status != http.StatusNotFound || p.testid("not-found").Length() != 1 {
			t.Fatalf("%s: status %d, want 404", path, p.status)
		}
	}
	p = br.get(e.issuer + "/console/users?by=id&q=" + other.ID)
	if p.testid("no-users").Length() != 1 {
		t.Fatalf("search by another tenant's user ID: %d rows", p.testid("user-row").Length())
	}
	if p := br.get(e.issuer + "/console/keys"); p.status != http.StatusForbidden {
		t.Fatalf("keys: status %d, want 403", p.status)
	}
}

// TestConsoleTenantsAndVenueRoles: a platform administrator creates and
// suspends a tenant (after confirming) and grants a venue role with an
// expiry; a venue administrator lands on their venue roles page, sees no
// users or clients, and is refused (403, audited) at another venue.
func TestConsoleTenantsAndVenueRoles(t *testing.T) {
	e := newEnv(t, memoryBackend)
	if err := e.app.SeedConsoleAdmin(context.Background()); err != nil {
		t.Fatal(err)
	}
	op := e.browser()
	op.consoleSignIn("/console/", app.DevConsoleEmail, app.DevConsolePassword, "")
	p := op.get(e.issuer + "/console/tenants")
	bad := op.consolePost(p, "/console/tenants", url.Values{"slug": {"Not A Slug"}, "name": {"Bolt"}})
	if bad.status != http.StatusBadRequest || bad.testid("field-slug").AttrOr("aria-invalid", "") != "true" || bad.testid("field-name").AttrOr("value", "") != "Bolt" {
		t.Fatalf("bad slug: status %d", bad.status)
	}
	p = op.consolePost(bad, "/console/tenants", url.Values{"slug": {"bolt"}, "name": {"Bolt"}})
	if p.status != http.StatusOK || !strings.Contains(p.testid("notice").Text(), "created") {
		t.Fatalf("create tenant: status %d", p.status)
	}
	var suspendHref string
	p.testid("tenant-row").Each(func(_ int, row *goquerySelection) {
		if strings.Contains(row.Text(), "bolt") {
			suspendHref, _ = row.Find(`[data-testid="tenant-suspend"]`).Attr("href")
		}
	})
	if suspendHref == "" {
		t.Fatal("no suspend link for the new tenant")
	}
	p = op.get(e.issuer + suspendHref)
	action, _ := p.testid("confirm").Attr("action")
	// Without the confirmation field nothing happens.
	if q := op.consolePost(p, action, nil); q.testid("confirm").Length() != 1 {
		t.Fatalf("suspend without confirm: status %d at %s", q.status, q.url)
	}
	p = op.consolePost(p, action, url.Values{"confirm": {"yes"}})
	tn, err := e.app.Admin.ResolveTenant(context.Background(), "bolt")
	if err != nil || tn.Status != storage.TenantSuspended {
		t.Fatalf("tenant after suspend: %+v %v (page %d)", tn, err, p.status)
	}

	// A venue role with an expiry.
	owner := e.consoleUser(t, storage.DefaultTenantID, "owner@example.com", "owner-password-1", "venue-owner")
	if _, err := e.app.Stores.Durable.PutRoleGrant(context.Background(), storage.RoleGrant{ID: "g-own", TenantID: storage.DefaultTenantID,
		UserID: owner.ID, Role: "venue-owner", ResourceType: storage.ResourceVenue, ResourceID: "v1", GrantedBy: "cli", GrantedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	p = op.get(e.issuer + "/console/venues?venue=v1")
	p = op.consolePost(p, "/console/venues/v1/grant", url.Values{"user": {app.DemoUserEmail}, "role": {"door-staff"}, "expires": {"2031-01-31"}})
	if p.status != http.StatusOK || !strings.Contains(p.testid("venue-grants").Text(), "door-staff") || !strings.Contains(p.testid("venue-grants").Text(), "31 Jan 2031") {
		t.Fatalf("grant: status %d: %s", p.status, p.testid("venue-grants").Text())
	}

	// The venue administrator.
	va := e.browser()
	p, _ = va.consoleSignIn("/console/", "owner@example.com", "owner-password-1", "")
	if p.url.Path != "/console/venues" || p.testid("console-role").Text() != "venue administrator" || p.testid("nav-users").Length() != 0 {
		t.Fatalf("venue administrator lands on %s as %q", p.url.Path, p.testid("console-role").Text())
	}
	p = va.get(e.issuer + "/console/venues?venue=v1")
	if p.testid("grant-row").Length() < 2 || p.testid("grant-form").Length() != 1 {
		t.Fatalf("own venue: %d grants", p.testid("grant-row").Length())
	}
	if q := va.consolePost(p, "/console/venues/v2/grant", url.Values{"user": {app.DemoUserEmail}, "role": {"door-staff"}}); q.status != http.StatusForbidden {
		t.Fatalf("grant at another venue: status %d", q.status)
	}
	if q := va.get(e.issuer + "/console/users?q=demo"); q.status != http.StatusForbidden {
		t.Fatalf("user search as venue administrator: status %d", q.status)
	}
	auditEvents(t, e, storage.AuditFilter{Event: "admin.refused", ActorID: owner.ID}, func(ev []storage.AuditEvent) bool { return len(ev) >= 2 })
}
