package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/admin"
)

// Development fixtures seeded by `admit` when it runs without a database.
const (
	DemoClientID     = "demo-app"
	DemoClientSecret = "demo-secret"
	DemoSPAID        = "demo-spa"
	DemoUserEmail    = "demo@example.com"
	DemoUserPassword = "demo-password-1"
)

// The development admin client (seeded by `admit` without a database only,
// never by tests or production): client_credentials with admit:admin, a
// platform administrator of the throwaway in-memory instance.
const (
	DemoAdminID     = "demo-admin"
	DemoAdminSecret = "demo-admin-secret"
)

// SeedDemoAdmin creates the development admin client.
func (a *App) SeedDemoAdmin(ctx context.Context) error {
	c := storage.Client{ID: DemoAdminID, Name: "Demo Admin", SecretHash: op.HashSecret(DemoAdminSecret),
		AuthMethod: storage.AuthMethodBasic, GrantTypes: []string{"client_credentials"},
		Scopes: []string{admin.Scope}, CreatedAt: a.Now()}
	return ignoreExists(a.Stores.Durable.CreateClient(ctx, c))
}

// DemoRedirectURIs are the demo clients' callbacks.
var DemoRedirectURIs = []string{"http://127.0.0.1:5555/callback", "http://localhost:5555/callback"}

// SeedDemo creates the development client, SPA client and user.
func (a *App) SeedDemo(ctx context.Context) error {
	now := a.Now()
	grants := []string{"authorization_code", "refresh_token", "client_credentials"}
	scopes := []string{"openid", "profile", "email", "offline_access", ScopeWallet, op.ScopeVenues}
	clients := []storage.Client{
		{ID: DemoClientID, Name: "Demo App", SecretHash: op.HashSecret(DemoClientSecret), AuthMethod: storage.AuthMethodBasic,
			RedirectURIs: DemoRedirectURIs, PostLogoutRedirectURIs: DemoRedirectURIs, GrantTypes: grants, Scopes: scopes, CreatedAt: now},
		{ID: DemoSPAID, Name: "Demo SPA", Public: true, AuthMethod: storage.AuthMethodNone,
			RedirectURIs: DemoRedirectURIs, PostLogoutRedirectURIs: DemoRedirectURIs, GrantTypes: grants[:2], Scopes: scopes, CreatedAt: now},
	}
	for _, c := range clients {
		if err := ignoreExists(a.Stores.Durable.CreateClient(ctx, c)); err != nil {
			return fmt.Errorf("seed client %s: %w", c.ID, err)
		}
	}
	_, err := a.CreateUser(ctx, NewUser{Email: DemoUserEmail, Password: DemoUserPassword, GivenName: "Demo", FamilyName: "User", EmailVerified: true})
	return ignoreExists(err)
}

func ignoreExists(err error) error {
	if errors.Is(err, storage.ErrAlreadyExists) {
		return nil
	}
	return err
}

// NewUser is what `admit users add` and the seed provide.
type NewUser struct {
	Email, Password, GivenName, FamilyName string
	EmailVerified                          bool
}

// CreateUser validates the e-mail, hashes the password and stores the user
// in the default tenant, through the admin service as the operator ("cli").
// The operator's fixtures are not held to the sign-up password policy.
func (a *App) CreateUser(ctx context.Context, nu NewUser) (storage.User, error) {
	return a.Admin.CreateUser(ctx, admin.CLI(), storage.DefaultTenantID, admin.NewUser{
		Email: nu.Email, Password: nu.Password, GivenName: nu.GivenName, FamilyName: nu.FamilyName,
		EmailVerified: nu.EmailVerified, SkipPolicy: true,
	})
}
