package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

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

// The second development tenant, with its own brand, so a branded sign-in
// can be seen at once (issue 17).
const (
	DemoBrandTenantSlug   = "riverside"
	DemoBrandClientID     = "riverside-shop"
	DemoBrandClientSecret = "riverside-secret"
	DemoBrandUserEmail    = "fan@riverside.example"
	DemoBrandUserPassword = "riverside-password-1"
)

// SeedDemoBrand creates the development tenant "riverside" (Riverside
// Hall: its colour, logo, support and privacy links, German by default),
// a client of it with policy and terms links, and a user. It is idempotent.
func (a *App) SeedDemoBrand(ctx context.Context) error {
	cli := admin.CLI()
	t, err := a.Admin.ResolveTenant(ctx, DemoBrandTenantSlug)
	if errors.Is(err, admin.ErrNotFound) {
		t, err = a.Admin.CreateTenant(ctx, cli, admin.TenantInput{Slug: DemoBrandTenantSlug, Name: "Riverside Hall"})
	}
	if err != nil {
		return fmt.Errorf("seed brand tenant: %w", err)
	}
	if _, err := a.Admin.SetBrand(ctx, cli, t.ID, "", admin.BrandInput{
		DisplayName: "Riverside Hall", PrimaryColor: "#0b5394", SupportURL: "https://help.riverside.example",
		PrivacyURL: "https://riverside.example/privacy", DefaultLocale: "de"}); err != nil {
		return fmt.Errorf("seed brand: %w", err)
	}
	if _, err := a.Admin.SetBrandLogo(ctx, cli, t.ID, "", demoLogo()); err != nil {
		return fmt.Errorf("seed brand logo: %w", err)
	}
	spec := admin.ClientSpec{ID: DemoBrandClientID, Name: "Riverside Tickets", RedirectURIs: DemoRedirectURIs,
		Grants: []string{"authorization_code", "refresh_token"}, Scopes: []string{"openid", "profile", "email", "offline_access"},
		PolicyURI: "https://riverside.example/privacy", TOSURI: "https://riverside.example/terms"}
	if _, err := a.Stores.Durable.GetClient(ctx, DemoBrandClientID); errors.Is(err, storage.ErrNotFound) {
		c := spec.Client(t.ID, a.Now())
		c.SecretHash = op.HashSecret(DemoBrandClientSecret)
		if err := a.Stores.Durable.CreateClient(ctx, c); err != nil {
			return fmt.Errorf("seed brand client: %w", err)
		}
	}
	_, err = a.Admin.CreateUser(ctx, cli, t.ID, admin.NewUser{Email: DemoBrandUserEmail, Password: DemoBrandUserPassword,
		GivenName: "River", FamilyName: "Fan", EmailVerified: true, SkipPolicy: true})
	return ignoreExists(err)
}

// demoLogo draws the development brand's logo: a blue disc with a white
// wave, encoded by image/png.
func demoLogo() []byte {
	const n = 64
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	blue, white := color.NRGBA{R: 0x0b, G: 0x53, B: 0x94, A: 0xff}, color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	for y := range n {
		for x := range n {
			dx, dy := float64(x)-n/2+0.5, float64(y)-n/2+0.5
			if dx*dx+dy*dy > (n/2)*(n/2) {
				continue
			}
			img.Set(x, y, blue)
			wave := n/2 + 6*math.Sin(float64(x)/6)
			if math.Abs(float64(y)-wave) < 3 {
				img.Set(x, y, white)
			}
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
