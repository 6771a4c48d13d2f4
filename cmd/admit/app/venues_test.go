package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
	"github.com/admit-idp/admit/storage"
)

// grantRole stores a grant the way an administrator would have.
func grantRole(t testing.TB, e *env, tenantID, userID, role, venue string) {
	t.Helper()
	g := storage.RoleGrant{ID: uuid.NewString(), TenantID: tenantID, UserID: userID, Role: role, GrantedBy: "cli",
		GrantedAt: e.clock.Now(), Active: true}
	if venue != "" {
		g.ResourceType, g.ResourceID = storage.ResourceVenue, venue
	}
	if _, err := e.app.Stores.Durable.PutRoleGrant(context.Background(), g); err != nil {
		t.Fatal(err)
	}
}

// addUser creates a verified user of the default tenant.
func addUser(t testing.TB, e *env, email string) storage.User {
	t.Helper()
	now := e.clock.Now()
	u := storage.User{ID: uuid.NewString(), TenantID: storage.DefaultTenantID, Email: email, EmailVerified: true, CreatedAt: now, UpdatedAt: now}
	if err := e.app.Stores.Durable.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestVenueOwnerManagesRolesFromTheAccountArea: the owner of one venue
// sees it on the account page, grants a box-office role there to a
// colleague by e-mail and revokes it; another venue, a global role and a
// person of another tenant are refused with a clear answer.
func TestVenueOwnerManagesRolesFromTheAccountArea(t *testing.T) {
	e := newEnv(t, postgresBackend)
	owner, err := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
	if err != nil {
		t.Fatal(err)
	}
	grantRole(t, e, storage.DefaultTenantID, owner.ID, "venue-owner", "venue-1")
	colleague := addUser(t, e, "colleague@example.com")
	newAcme(t, e) // a demo@example.com exists in another tenant too

	br := e.browser()
	br.submitLogin(br.get(e.issuer+"/account"), app.DemoUserEmail, app.DemoUserPassword)
	acct := br.get(e.issuer + "/account/venues")
	if acct.testid("venue-manage").Text() != "venue-1" || !strings.Contains(acct.testid("roles-global").Text(), "customer") {
		t.Fatalf("account page roles block: %s", acct.body)
	}
	venue := br.get(e.issuer + "/account/venues/venue-1")
	csrf := venue.hidden("csrf_token")

	p := br.post("/account/venues/venue-1/grant", url.Values{"csrf_token": {csrf}, "user": {"colleague@example.com"}, "role": {"box-office"}})
	if p.status != http.StatusOK || p.testid("notice").Length() == 0 || !strings.Contains(p.testid("grants").Text(), "colleague@example.com") {
		t.Fatalf("grant: status %d: %s", p.status, p.body)
	}
	grants, err := e.app.Stores.Durable.UserRoleGrants(context.Background(), storage.DefaultTenantID, colleague.ID, e.clock.Now())
	if err != nil || len(grants) != 1 || grants[0].Role != "box-office" || grants[0].ResourceID != "venue-1" || grants[0].GrantedBy != owner.ID {
		t.Fatalf("stored grants = %+v, %v", grants, err)
	}

	cases := []struct {
		name, path, user, role string
		status                 int
		testid                 string
	}{
		{"another venue", "/account/venues/venue-2/grant", "colleague@example.com", "box-office", http.StatusForbidden, "error-title"},
		{"a global role", "/account/venues/venue-1/grant", "colleague@example.com", "admin", http.StatusUnprocessableEntity, "error-role"},
		{"an unknown person", "/account/venues/venue-1/grant", "nobody@example.com", "door-staff", http.StatusUnprocessableEntity, "error-user"},
		{"a role not in the catalogue", "/account/venues/venue-1/grant", "colleague@example.com", "emperor", http.StatusUnprocessableEntity, "error-role"},
	}
	// Nobody grants roles to themselves, owners included: the page says
	// that rule, on the form, with what was typed kept.
	self := br.post("/account/venues/venue-1/grant", url.Values{"csrf_token": {csrf}, "user": {app.DemoUserEmail}, "role": {"door-staff"}})
	if self.status != http.StatusUnprocessableEntity || !strings.Contains(self.testid("error-user").Text(), "Nobody can grant roles to themselves") ||
		strings.Contains(self.body, "You cannot manage the roles of this venue") || self.testid("grant-user-input").AttrOr("value", "") != app.DemoUserEmail {
		t.Errorf("self-grant: status %d: %s", self.status, self.body)
	}
	for _, c := range cases {
		p := br.post(c.path, url.Values{"csrf_token": {csrf}, "user": {c.user}, "role": {c.role}})
		if p.status != c.status || p.testid(c.testid).Length() == 0 {
			t.Errorf("%s: status %d (want %d), no %s: %s", c.name, p.status, c.status, c.testid, p.body)
		}
		if c.status == http.StatusUnprocessableEntity && p.testid("grant-user-input").AttrOr("value", "") != c.user {
			t.Errorf("%s: the form lost what was typed", c.name)
		}
	}

	// The colleague, holding a role at the venue, may see its roles (the old
	// service's requireVenueAccess) but is offered no forms.
	hash, _ := e.app.Hasher.Hash("colleague-password-1")
	if err := e.app.Stores.Durable.SetPasswordHash(context.Background(), colleague.ID, hash, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	staff := e.browser()
	staff.submitLogin(staff.get(e.issuer+"/account"), "colleague@example.com", "colleague-password-1")
	if p := staff.get(e.issuer + "/account/venues/venue-1"); p.status != http.StatusOK || p.testid("grant-row").Length() != 2 || p.testid("grant-form").Length() != 0 {
		t.Fatalf("staff viewing the venue: status %d: %s", p.status, p.body)
	}

	p = br.post("/account/venues/venue-1/revoke", url.Values{"csrf_token": {csrf}, "user": {colleague.ID}})
	if p.status != http.StatusOK || p.testid("grants").Text() == "" || strings.Contains(p.testid("grants").Text(), "colleague@example.com") {
		t.Fatalf("revoke: status %d: %s", p.status, p.body)
	}
	if p := br.post("/account/venues/venue-1/grant", url.Values{"user": {"colleague@example.com"}, "role": {"box-office"}}); p.status != http.StatusForbidden {
		t.Fatalf("grant without the CSRF token: status %d", p.status)
	}

	// A customer without a venue role sees no venue and may not open one.
	other := e.browser()
	other.submitLogin(other.get(e.issuer+"/account"), "colleague@example.com", "colleague-password-1")
	acct = other.get(e.issuer + "/account/venues")
	if acct.testid("venue-manage").Length() != 0 || acct.testid("venue-open").Length() != 0 {
		t.Fatalf("a customer is offered venue administration: %s", acct.body)
	}
	if p := other.get(e.issuer + "/account/venues/venue-1"); p.status != http.StatusForbidden {
		t.Fatalf("customer opening a venue: status %d", p.status)
	}
}

// TestVenuePageRefusesMalformedLinks: a venue ID or cursor the service
// rejects is a 400 page, not an outage page.
func TestVenuePageRefusesMalformedLinks(t *testing.T) {
	e := newEnv(t, memoryBackend)
	owner, _ := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
	grantRole(t, e, storage.DefaultTenantID, owner.ID, "admin", "")
	br := e.browser()
	br.submitLogin(br.get(e.issuer+"/account"), app.DemoUserEmail, app.DemoUserPassword)
	for _, path := range []string{"/account/venues/" + strings.Repeat("v", 200), "/account/venues/v1?cursor=%21%21", "/account/venues?venue=a%2Fb"} {
		if p := br.get(e.issuer + path); p.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400: %s", path, p.status, p.body)
		}
	}
	if p := br.get(e.issuer + "/account/venues/v1"); p.status != http.StatusOK || p.testid("grant-form").Length() != 1 {
		t.Fatalf("a tenant admin opening any venue: status %d", p.status)
	}
}

// TestBrowserVenueRoles: the venue owner's page in headless Chromium, with
// screenshots, under the pages' CSP (a violation fails the test).
func TestBrowserVenueRoles(t *testing.T) {
	e := newEnv(t, memoryBackend)
	owner, _ := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
	grantRole(t, e, storage.DefaultTenantID, owner.ID, "venue-owner", "venue-1")
	addUser(t, e, "colleague@example.com")
	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)
	results := browsertest.Run(t, "scripts/venues.mjs", map[string]string{
		"START_URL": e.issuer + "/account/venues", "EMAIL": app.DemoUserEmail, "PASSWORD": app.DemoUserPassword,
		"COLLEAGUE": "colleague@example.com", "SCREENSHOT_DIR": shots, "STRICT_CONSOLE": "1",
	})
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1", len(results))
	}
	var res struct {
		Managed          []string
		Notice           string
		Rows             []string
		FieldError, Kept string
		AfterRevoke      []string
	}
	if err := json.Unmarshal(results[0], &res); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(res.Rows, "|")
	if len(res.Managed) != 1 || res.Managed[0] != "venue-1" || !strings.Contains(res.Notice, "granted") ||
		!strings.Contains(joined, "colleague@example.com") || !strings.Contains(joined, "box-office") || !strings.Contains(joined, "31 December 2099") ||
		res.FieldError == "" || res.Kept != "nobody@example.com" || strings.Contains(strings.Join(res.AfterRevoke, "|"), "colleague@example.com") {
		t.Fatalf("result = %+v", res)
	}
	for _, name := range []string{"venues-account.png", "venues-granted.png", "venues-error.png"} {
		checkPNG(t, filepath.Join(shots, name))
	}
}
