package app_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/cmd/admit/browsertest"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/roles"
)

// TestBrowserConsole is the console walkthrough in headless Chromium at
// tablet size (scripts/console.mjs): sign in with TOTP, find the locked
// customer, see why, unlock (the customer then signs in), create a client
// that go-oidc then uses, a support agent's forged delete (403), a tenant
// administrator's 404, and axe-core on every page.
func TestBrowserConsole(t *testing.T) {
	e := newEnv(t, memoryBackend)
	e.app.Defences.Policy.RateLimits = false
	e.app.Defences.Policy.IPMax = 50
	ctx := context.Background()
	if err := e.app.SeedConsoleAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	const pw = "console-password-1"
	e.consoleUser(t, storage.DefaultTenantID, "help@example.com", pw, roles.Support)
	tn, err := e.app.Admin.CreateTenant(ctx, admin.CLI(), admin.TenantInput{Slug: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	e.consoleUser(t, tn.ID, "boss@acme.example", pw, roles.Admin)
	// The seeded administrator gets the shared password too.
	adminUser, err := e.app.Stores.Durable.GetUserByEmail(ctx, storage.DefaultTenantID, app.DevConsoleEmail)
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := e.app.Hasher.Hash(pw)
	if err := e.app.Stores.Durable.SetPasswordHash(ctx, adminUser.ID, hash, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	victim, err := e.app.Stores.Durable.GetUserByEmail(ctx, storage.DefaultTenantID, app.DemoUserEmail)
	if err != nil {
		t.Fatal(err)
	}
	// The customer locks themselves out.
	lockOutDemoUser(t, e)

	shots := t.ArtifactDir()
	t.Logf("screenshots: %s", shots)
	results := browsertest.Run(t, "scripts/console.mjs", map[string]string{
		"BASE": e.issuer, "PASSWORD": pw, "NOW_UNIX": strconv.FormatInt(e.clock.Now().Unix(), 10),
		"ADMIN_EMAIL": app.DevConsoleEmail, "SUPPORT_EMAIL": "help@example.com", "TENANT_EMAIL": "boss@acme.example", "TENANT_SLUG": "acme",
		"LOCKED_EMAIL": app.DemoUserEmail, "VICTIM_ID": victim.ID, "REDIRECT_URI": rpCallback,
		"SCREENSHOT_DIR": shots, "STRICT_CONSOLE": "1", "VIEWPORT": "820x1180",
	})
	if len(results) != 1 {
		t.Fatalf("got %d results, want 1", len(results))
	}
	var res struct {
		LockWhy, Notice, ClientID, Secret string
		SupportDelete, ForgedStatus       int
		TenantStatus                      int
	}
	if err := json.Unmarshal(results[0], &res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.LockWhy, "too many failed sign-ins") || !strings.Contains(res.Notice, "lifted") {
		t.Errorf("lock: why %q, notice %q", res.LockWhy, res.Notice)
	}
	if res.SupportDelete != 0 || res.ForgedStatus != 403 || res.TenantStatus != 404 {
		t.Errorf("support delete buttons %d, forged delete %d, tenant admin %d", res.SupportDelete, res.ForgedStatus, res.TenantStatus)
	}
	if u, err := e.app.Stores.Durable.GetUser(ctx, victim.ID); err != nil || u.Disabled {
		t.Fatalf("the customer after the forged delete: %v", err)
	}
	// The customer signs in again; the client made in the console works
	// with go-oidc.
	rc := e.rp(res.ClientID, res.Secret)
	ar := rc.start()
	id, _ := rc.tokensOf(e.browser().login(ar, app.DemoUserEmail, app.DemoUserPassword), ar)
	if id.AuthTime == 0 {
		t.Fatalf("id token of the console's client: %+v", id)
	}
	for _, name := range []string{"console-enrol.png", "console-dashboard.png", "console-users.png", "console-user-locked.png",
		"console-user-unlocked.png", "console-confirm-delete.png", "console-client-new.png", "console-client-secret.png",
		"console-keys.png", "console-audit.png", "console-tenants.png", "console-venue-roles.png", "console-user-support.png", "console-support-403.png", "console-tenant-404.png"} {
		checkPNG(t, filepath.Join(shots, name))
	}
}
