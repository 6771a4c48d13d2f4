package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/admit-idp/admit/login/console"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
	"github.com/admit-idp/admit/storage/roles"
)

// The development console administrator (seeded by `admit` without a
// database only): a platform administrator, offered TOTP enrolment at the
// first console sign-in (the console client requires a second factor).
const (
	DevConsoleEmail    = "admin@example.com"
	DevConsolePassword = "admin-password-1"
)

// addConsole builds the operator console (login/console) on the admin
// service. It runs after addAdmin.
func (a *App) addConsole() *console.Handler {
	c := &admin.Console{Service: a.Admin, Store: a.Stores.Durable}
	if g := a.Defences; g != nil {
		c.LockedUntil = func(ctx context.Context, u storage.User) (time.Time, error) { return g.LockedUntil(ctx, u.Email) }
	}
	if a.Accounts != nil && a.Accounts.Service != nil {
		s := a.Accounts.Service
		c.MailVerification, c.MailPasswordReset = s.ResendVerification, s.SendPasswordReset
	}
	var venueRoles []string
	for _, r := range a.Admin.Catalogue.Roles() {
		if r.Resource == storage.ResourceVenue {
			venueRoles = append(venueRoles, r.Name)
		}
	}
	return &console.Handler{VenueRoles: venueRoles,
		Admin: c, Issuer: a.Config.Issuer, Cookies: a.Engine.Cookies, Signer: a.signer("console session"),
		Users: a.Stores.Durable, Client: a.consoleClient, Now: a.Now, Logger: a.Logger,
	}
}

// consoleClient registers the console client of a tenant (by ID or slug;
// "" is the default tenant) if it is missing, and keeps its redirect URI
// on the issuer: the console is a first-party, public client (PKCE) of
// its own issuer that requires a second factor.
func (a *App) consoleClient(ctx context.Context, tenant string) (string, error) {
	t, err := a.Admin.ResolveTenant(ctx, tenant)
	if err != nil {
		return "", err
	}
	id := console.ClientIDFor(t.ID)
	want := storage.Client{ID: id, TenantID: t.ID, Name: "Admit console", Public: true, FirstParty: true, RequireMFA: true,
		AuthMethod: storage.AuthMethodNone, RedirectURIs: []string{a.Config.Issuer + console.CallbackPath},
		PostLogoutRedirectURIs: []string{a.Config.Issuer + console.Path + "/signed-out"},
		GrantTypes:             []string{"authorization_code"}, Scopes: []string{"openid", "email"}, CreatedAt: a.Now()}
	d := a.Stores.Durable
	switch got, err := d.GetTenantClient(ctx, t.ID, id); {
	case errors.Is(err, storage.ErrNotFound):
		if err := d.CreateClient(ctx, want); err != nil && !errors.Is(err, storage.ErrAlreadyExists) {
			return "", fmt.Errorf("console client: %w", err)
		}
	case err != nil:
		return "", err
	case !slices.Equal(got.RedirectURIs, want.RedirectURIs) || !got.RequireMFA || !got.Public:
		// The issuer moved, or someone weakened the client: put it back.
		want.CreatedAt = got.CreatedAt
		if err := d.UpdateClient(ctx, want); err != nil {
			return "", fmt.Errorf("console client: %w", err)
		}
	}
	return id, nil
}

// SeedConsoleAdmin creates the development console administrator: a user
// of the default tenant holding the admin role (a platform administrator).
func (a *App) SeedConsoleAdmin(ctx context.Context) error {
	if _, err := a.consoleClient(ctx, ""); err != nil {
		return err
	}
	u, err := a.CreateUser(ctx, NewUser{Email: DevConsoleEmail, Password: DevConsolePassword, GivenName: "Console", FamilyName: "Admin", EmailVerified: true})
	if errors.Is(err, storage.ErrAlreadyExists) {
		if u, err = a.Stores.Durable.GetUserByEmail(ctx, storage.DefaultTenantID, DevConsoleEmail); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	_, err = a.Stores.Durable.PutRoleGrant(ctx, storage.RoleGrant{ID: "dev-console-admin", TenantID: storage.DefaultTenantID, UserID: u.ID,
		Role: roles.Admin, GrantedBy: "cli", GrantedAt: a.Now()})
	return err
}
