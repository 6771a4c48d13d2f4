package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/uuid"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/op"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/roles"
)

// roleATClaims are the tenant and role claims of an access token.
type roleATClaims struct {
	Subject      string                       `json:"sub"`
	Scope        string                       `json:"scope"`
	TenantID     string                       `json:"tenant_id"`
	Roles        []string                     `json:"roles"`
	Permissions  []string                     `json:"permissions"`
	VenueRoles   map[string][]string          `json:"venue_roles"`
	ClaimNames   map[string]string            `json:"_claim_names"`
	ClaimSources map[string]map[string]string `json:"_claim_sources"`
	Expiry       int64                        `json:"exp"`
}

const venuesClientID, venuesClientSecret = "venues-app", "venues-secret"

// addVenuesClient registers a confidential client of tenant that may ask
// for the venues scope.
func (e *env) addVenuesClient(id, tenant string) {
	e.t.Helper()
	c := storage.Client{
		ID: id, TenantID: tenant, Name: "Venues App", SecretHash: op.HashSecret(venuesClientSecret), AuthMethod: storage.AuthMethodBasic,
		RedirectURIs: []string{rpCallback}, GrantTypes: []string{"authorization_code", "refresh_token", "client_credentials"},
		Scopes: []string{"openid", "profile", "email", "offline_access", op.ScopeVenues, "orders"}, FirstParty: true, CreatedAt: e.clock.Now(),
	}
	if err := e.app.Stores.Durable.CreateClient(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) demoUser() storage.User {
	e.t.Helper()
	u, err := e.app.Stores.Durable.GetUserByEmail(context.Background(), storage.DefaultTenantID, app.DemoUserEmail)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// grant stores a role grant for the user; venue "" is a global grant.
func (e *env) grant(u storage.User, role, venue string, expires time.Time) {
	e.t.Helper()
	g := storage.RoleGrant{
		ID: uuid.NewString(), TenantID: u.TenantID, UserID: u.ID, Role: role, GrantedBy: "cli",
		GrantedAt: e.clock.Now(), ExpiresAt: expires, Active: true,
	}
	if venue != "" {
		g.ResourceType, g.ResourceID = storage.ResourceVenue, venue
	}
	if _, err := e.app.Stores.Durable.PutRoleGrant(context.Background(), g); err != nil {
		e.t.Fatal(err)
	}
}

// verifiedClaims verifies an access token with the provider's JWKS, as a
// resource server does, and decodes its claims.
func (e *env) verifiedClaims(token string) roleATClaims {
	e.t.Helper()
	payload, err := oidc.NewRemoteKeySet(context.Background(), e.issuer+"/keys").VerifySignature(context.Background(), token)
	if err != nil {
		e.t.Fatalf("JWKS verification: %v", err)
	}
	var c roleATClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// userinfo calls the userinfo endpoint with a bearer token.
func (e *env) userinfo(token string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// venueRolesOf converts a decoded venue_roles claim.
func venueRolesOf(v any) map[string][]string {
	raw, _ := json.Marshal(v)
	var out map[string][]string
	_ = json.Unmarshal(raw, &out)
	return out
}

// signIn logs the demo user in through the pages and exchanges the code.
func (e *env) codeSignIn(r *rp) *oauth2.Token {
	e.t.Helper()
	code, ar, _ := codeFor(e.t, e, r)
	tok, err := r.exchange(code, ar)
	if err != nil {
		e.t.Fatalf("exchange: %v", err)
	}
	return tok
}

func TestRoleClaims(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			e.addVenuesClient(venuesClientID, "")
			u := e.demoUser()
			e.grant(u, "admin", "", time.Time{})
			e.grant(u, "box-office", "v1", time.Time{})
			e.grant(u, "door-staff", "v1", e.clock.Now().Add(time.Hour))
			e.grant(u, "venue-manager", "v2", time.Time{})
			e.grant(u, "venue-owner", "v3", e.clock.Now().Add(time.Minute)) // expires before the login
			e.grant(u, "no-such-role", "v4", time.Time{})                   // not in the catalogue
			e.clock.Advance(2 * time.Minute)

			r := e.rp(venuesClientID, venuesClientSecret, oidc.ScopeOpenID, op.ScopeVenues, oidc.ScopeOfflineAccess)
			tok := e.codeSignIn(r)
			c := e.verifiedClaims(tok.AccessToken)
			wantVenues := map[string][]string{"v1": {"box-office", "door-staff"}, "v2": {"venue-manager"}}
			if c.Subject != u.ID || c.TenantID != storage.DefaultTenantID || !reflect.DeepEqual(c.Roles, []string{"admin", "customer"}) {
				t.Fatalf("claims = %+v, want sub %s, tenant_id %s, roles [admin customer]", c, u.ID, storage.DefaultTenantID)
			}
			for _, p := range []string{"admit:admin", "roles:manage", "tickets:purchase", "profile:update-own"} {
				if !slices.Contains(c.Permissions, p) {
					t.Errorf("permissions %v lack %s", c.Permissions, p)
				}
			}
			if slices.Contains(c.Permissions, "tickets:sell") {
				t.Errorf("permissions %v hold a venue permission", c.Permissions)
			}
			if !reflect.DeepEqual(c.VenueRoles, wantVenues) || c.ClaimNames != nil || c.ClaimSources != nil {
				t.Fatalf("venue_roles = %v (pointers %v %v), want %v (expired v3 and unknown v4 absent)", c.VenueRoles, c.ClaimNames, c.ClaimSources, wantVenues)
			}

			// The id token is lean: tenant_id, no roles.
			idt, err := r.verifier.Verify(context.Background(), tok.Extra("id_token").(string))
			if err != nil {
				t.Fatal(err)
			}
			var ic map[string]any
			_ = idt.Claims(&ic)
			if ic["tenant_id"] != storage.DefaultTenantID || ic["roles"] != nil || ic["venue_roles"] != nil {
				t.Fatalf("id token claims = %v, want tenant_id only", ic)
			}

			// Userinfo answers the same, read fresh.
			status, ui := e.userinfo(tok.AccessToken)
			if status != http.StatusOK || ui["tenant_id"] != storage.DefaultTenantID || !reflect.DeepEqual(venueRolesOf(ui["venue_roles"]), wantVenues) {
				t.Fatalf("userinfo %d = %v", status, ui)
			}

			// Refresh computes the claims again, at the new time.
			e.clock.Advance(2 * time.Hour) // door-staff on v1 expires
			next, err := r.refresh(tok.RefreshToken)
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if c := e.verifiedClaims(next.AccessToken); !reflect.DeepEqual(c.VenueRoles, map[string][]string{"v1": {"box-office"}, "v2": {"venue-manager"}}) || c.TenantID != storage.DefaultTenantID {
				t.Fatalf("refreshed claims = %+v", c)
			}

			// Without the venues scope: roles and permissions, no venue_roles.
			plain := e.codeSignIn(e.rp(venuesClientID, venuesClientSecret, oidc.ScopeOpenID))
			if c := e.verifiedClaims(plain.AccessToken); c.VenueRoles != nil || c.ClaimNames != nil || !slices.Contains(c.Roles, "admin") || c.TenantID == "" {
				t.Fatalf("claims without venues scope = %+v", c)
			}
			if status, ui := e.userinfo(plain.AccessToken); status != http.StatusOK || ui["venue_roles"] != nil || ui["roles"] == nil {
				t.Fatalf("userinfo without venues scope %d = %v", status, ui)
			}

			// A client that did not register the scope does not get it.
			noVenues := storage.Client{ID: "no-venues-app", Name: "No Venues", SecretHash: op.HashSecret(venuesClientSecret),
				AuthMethod: storage.AuthMethodBasic, RedirectURIs: []string{rpCallback}, GrantTypes: []string{"authorization_code"},
				Scopes: []string{"openid"}, FirstParty: true, CreatedAt: e.clock.Now()}
			if err := e.app.Stores.Durable.CreateClient(context.Background(), noVenues); err != nil {
				t.Fatal(err)
			}
			demo := e.codeSignIn(e.rp(noVenues.ID, venuesClientSecret, oidc.ScopeOpenID, op.ScopeVenues))
			if c := e.verifiedClaims(demo.AccessToken); c.VenueRoles != nil || strings.Contains(c.Scope, op.ScopeVenues) {
				t.Fatalf("unregistered venues scope granted: %+v", c)
			}
		})
	}
}

func TestVenueRolesOverflowPointsToUserinfo(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnvWith(t, b, envOptions{configure: func(c *app.Config) { c.Roles.MaxTokenVenues = 2 }})
			e.addVenuesClient(venuesClientID, "")
			u := e.demoUser()
			want := map[string][]string{"v1": {"box-office"}, "v2": {"door-staff"}, "v3": {"venue-owner"}}
			for v, rs := range want {
				e.grant(u, rs[0], v, time.Time{})
			}
			tok := e.codeSignIn(e.rp(venuesClientID, venuesClientSecret, oidc.ScopeOpenID, op.ScopeVenues))
			c := e.verifiedClaims(tok.AccessToken)
			if c.VenueRoles != nil {
				t.Fatalf("venue_roles past the limit: %v", c.VenueRoles)
			}
			if !reflect.DeepEqual(c.ClaimNames, map[string]string{"venue_roles": "venues"}) ||
				!reflect.DeepEqual(c.ClaimSources, map[string]map[string]string{"venues": {"endpoint": e.issuer + "/userinfo"}}) {
				t.Fatalf("distributed claims = %v %v", c.ClaimNames, c.ClaimSources)
			}
			if !reflect.DeepEqual(c.Roles, []string{"customer"}) || c.TenantID != storage.DefaultTenantID {
				t.Fatalf("claims = %+v", c)
			}
			// A resource server follows the pointer with the same token.
			status, ui := e.userinfo(tok.AccessToken)
			if status != http.StatusOK || !reflect.DeepEqual(venueRolesOf(ui["venue_roles"]), want) || ui["tenant_id"] != storage.DefaultTenantID || ui["permissions"] == nil {
				t.Fatalf("userinfo %d = %v, want every venue %v", status, ui, want)
			}

			// Userinfo does not need the openid scope (a plain OAuth token).
			bare := e.codeSignIn(e.rp(venuesClientID, venuesClientSecret, op.ScopeVenues))
			if status, ui := e.userinfo(bare.AccessToken); status != http.StatusOK || !reflect.DeepEqual(venueRolesOf(ui["venue_roles"]), want) {
				t.Fatalf("userinfo without openid: %d %v", status, ui)
			}

			// At the limit the claim is inline.
			e2 := newEnvWith(t, b, envOptions{configure: func(c *app.Config) { c.Roles.MaxTokenVenues = 3 }})
			e2.addVenuesClient(venuesClientID, "")
			u2 := e2.demoUser()
			for v, rs := range want {
				e2.grant(u2, rs[0], v, time.Time{})
			}
			if c := e2.verifiedClaims(e2.codeSignIn(e2.rp(venuesClientID, venuesClientSecret, oidc.ScopeOpenID, op.ScopeVenues)).AccessToken); !reflect.DeepEqual(c.VenueRoles, want) || c.ClaimNames != nil {
				t.Fatalf("claims at the limit = %+v", c)
			}
		})
	}
}

func TestDiscoveryAndCatalogue(t *testing.T) {
	e := newEnv(t, memoryBackend)
	var doc struct {
		Scopes []string `json:"scopes_supported"`
		Claims []string `json:"claims_supported"`
	}
	getJSON(t, e.issuer+"/.well-known/openid-configuration", &doc)
	if !slices.Contains(doc.Scopes, "venues") {
		t.Errorf("scopes_supported = %v, want venues", doc.Scopes)
	}
	for _, c := range []string{"tenant_id", "roles", "permissions", "venue_roles"} {
		if !slices.Contains(doc.Claims, c) {
			t.Errorf("claims_supported = %v, want %s", doc.Claims, c)
		}
	}
	var cat struct {
		Roles []struct {
			Name        string   `json:"name"`
			Permissions []string `json:"permissions"`
			Resource    string   `json:"resource"`
		} `json:"roles"`
		DefaultRoles []string `json:"default_roles"`
	}
	getJSON(t, e.issuer+"/.well-known/admit-roles.json", &cat)
	found := false
	for _, r := range cat.Roles {
		if r.Name == "box-office" {
			found = r.Resource == "venue" && slices.Contains(r.Permissions, "tickets:sell")
		}
	}
	if !found || !reflect.DeepEqual(cat.DefaultRoles, []string{"customer"}) {
		t.Fatalf("catalogue = %+v", cat)
	}
}

func TestConfiguredCatalogue(t *testing.T) {
	e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) {
		c.Roles.Catalogue = []roles.Role{{Name: "fan", Permissions: []string{"merch:buy"}}, {Name: "usher", Permissions: []string{"seats:show"}, Resource: "venue"}}
		c.Roles.DefaultRoles = []string{"fan"}
	}})
	e.addVenuesClient(venuesClientID, "")
	u := e.demoUser()
	e.grant(u, "usher", "v1", time.Time{})
	e.grant(u, "box-office", "v2", time.Time{}) // not in this catalogue
	c := e.verifiedClaims(e.codeSignIn(e.rp(venuesClientID, venuesClientSecret, oidc.ScopeOpenID, op.ScopeVenues)).AccessToken)
	if !reflect.DeepEqual(c.Roles, []string{"fan"}) || !reflect.DeepEqual(c.Permissions, []string{"merch:buy"}) ||
		!reflect.DeepEqual(c.VenueRoles, map[string][]string{"v1": {"usher"}}) {
		t.Fatalf("claims = %+v", c)
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// createTenant adds an active tenant.
func (e *env) createTenant(slug string) storage.Tenant {
	e.t.Helper()
	now := e.clock.Now()
	tn := storage.Tenant{ID: uuid.NewString(), Slug: slug, Name: slug, Status: storage.TenantActive, CreatedAt: now, UpdatedAt: now}
	if err := e.app.Stores.Durable.CreateTenant(context.Background(), tn); err != nil {
		e.t.Fatal(err)
	}
	return tn
}

func (e *env) setTenantStatus(id, status string) {
	e.t.Helper()
	tn, err := e.app.Stores.Durable.GetTenant(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	tn.Status, tn.UpdatedAt = status, e.clock.Now()
	if err := e.app.Stores.Durable.UpdateTenant(context.Background(), tn); err != nil {
		e.t.Fatal(err)
	}
}

func TestTenantSuspension(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			acme := e.createTenant("acme")
			e.addVenuesClient("acme-machine", acme.ID)
			cc := clientcredentials.Config{ClientID: "acme-machine", ClientSecret: venuesClientSecret, TokenURL: e.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
			tok, err := cc.Token(context.Background())
			if err != nil {
				t.Fatalf("client_credentials: %v", err)
			}
			if c := e.verifiedClaims(tok.AccessToken); c.TenantID != acme.ID || c.Roles != nil || c.Permissions != nil || strings.Contains(c.Scope, op.ScopeVenues) {
				t.Fatalf("client_credentials claims = %+v, want tenant_id %s only", c, acme.ID)
			}
			e.setTenantStatus(acme.ID, storage.TenantSuspended)
			_, err = cc.Token(context.Background())
			if !isOAuthError(err, "unauthorized_client") || !strings.Contains(err.Error(), "suspended") {
				t.Fatalf("client_credentials of a suspended tenant: err = %v, want unauthorized_client (suspended)", err)
			}
			// Authorize shows an error, never redirects.
			if p := e.browser().get(authorizeURL(e, "acme-machine", rpCallback, nil)); p.status != http.StatusBadRequest || p.location != nil {
				t.Fatalf("authorize for a suspended client: status %d location %v", p.status, p.location)
			}
			e.setTenantStatus(acme.ID, storage.TenantActive)
			if _, err := cc.Token(context.Background()); err != nil {
				t.Fatalf("client_credentials after reactivation: %v", err)
			}

			// The default tenant: a user's refresh token and access token.
			e.addVenuesClient(venuesClientID, "")
			r := e.rp(venuesClientID, venuesClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
			utok := e.codeSignIn(r)
			e.setTenantStatus(storage.DefaultTenantID, storage.TenantSuspended)
			if _, err := r.refresh(utok.RefreshToken); !isOAuthError(err, "invalid_client") && !isOAuthError(err, "invalid_grant") {
				t.Fatalf("refresh in a suspended tenant: err = %v, want invalid_client or invalid_grant", err)
			}
			if status, _ := e.userinfo(utok.AccessToken); status != http.StatusUnauthorized {
				t.Fatalf("userinfo of a suspended tenant's user: status %d, want 401", status)
			}
			e.setTenantStatus(storage.DefaultTenantID, storage.TenantActive)
			if _, err := r.refresh(utok.RefreshToken); err != nil {
				t.Fatalf("refresh after reactivation: %v", err)
			}
		})
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestCrossTenantGrantsRefused sets up, as the login pages would, a code and
// a refresh token for a user of tenant B at a client of the default tenant:
// the token endpoint refuses both, and the same set-up for a user of the
// client's tenant works (so the refusal is the tenant check).
func TestCrossTenantGrantsRefused(t *testing.T) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) {
			e := newEnv(t, b)
			e.addVenuesClient(venuesClientID, "")
			other := e.createTenant("other")
			now := e.clock.Now()
			stranger := storage.User{ID: uuid.NewString(), TenantID: other.ID, Email: "stranger@example.com", EmailVerified: true, CreatedAt: now, UpdatedAt: now}
			if err := e.app.Stores.Durable.CreateUser(context.Background(), stranger); err != nil {
				t.Fatal(err)
			}
			r := e.rp(venuesClientID, venuesClientSecret, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
			for _, tc := range []struct {
				name   string
				userID string
				ok     bool
			}{{"same tenant", e.demoUser().ID, true}, {"other tenant", stranger.ID, false}} {
				t.Run(tc.name, func(t *testing.T) {
					code, verifier := e.completedCode(tc.userID)
					_, err := r.oauth.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
					if tc.ok && err != nil || !tc.ok && !isOAuthError(err, "invalid_grant") {
						t.Fatalf("code exchange: err = %v (want success: %v, else invalid_grant)", err, tc.ok)
					}
					rt := e.storedRefreshToken(tc.userID)
					_, err = r.refresh(rt)
					if tc.ok && err != nil || !tc.ok && !isOAuthError(err, "invalid_grant") {
						t.Fatalf("refresh: err = %v (want success: %v, else invalid_grant)", err, tc.ok)
					}
				})
			}
		})
	}
}

// completedCode stores a finished authorization request of the venues
// client for userID and a code for it, as the login pages do.
func (e *env) completedCode(userID string) (code, verifier string) {
	e.t.Helper()
	ctx, now := context.Background(), e.clock.Now()
	verifier = oauth2.GenerateVerifier()
	sum := sha256.Sum256([]byte(verifier))
	req := storage.AuthRequest{
		ID: uuid.NewString(), ClientID: venuesClientID, RedirectURI: rpCallback, Scopes: []string{"openid"}, ResponseType: "code",
		State: "s", Nonce: "n", CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]), CodeChallengeMethod: "S256", MaxAge: -1,
		CreatedAt: now, ExpiresAt: now.Add(time.Minute),
		Done: true, UserID: userID, AuthTime: now, AMR: []string{"pwd"}, ACR: "urn:admit:acr:sfa",
	}
	if err := e.app.Stores.Ephemeral.CreateAuthRequest(ctx, req); err != nil {
		e.t.Fatal(err)
	}
	code = uuid.NewString()
	if err := e.app.Stores.Ephemeral.SaveAuthCode(ctx, storage.AuthCode{Hash: sha256Hex(code), Request: req, ExpiresAt: now.Add(time.Minute), KeepUntil: now.Add(10 * time.Minute)}); err != nil {
		e.t.Fatal(err)
	}
	return code, verifier
}

// storedRefreshToken stores a refresh token of the venues client for userID.
func (e *env) storedRefreshToken(userID string) string {
	e.t.Helper()
	now := e.clock.Now()
	value := uuid.NewString()
	rt := storage.RefreshToken{
		ID: uuid.NewString(), Hash: sha256Hex(value), FamilyID: uuid.NewString(), ClientID: venuesClientID, UserID: userID,
		Scopes: []string{"openid", "offline_access"}, AMR: []string{"pwd"}, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
	}
	if err := e.app.Stores.Durable.CreateRefreshToken(context.Background(), rt); err != nil {
		e.t.Fatal(err)
	}
	return value
}

func TestRolesConfig(t *testing.T) {
	load := func(env map[string]string, yaml string) (app.Config, error) {
		var args []string
		if yaml != "" {
			file := filepath.Join(t.TempDir(), "admit.yaml")
			_ = os.WriteFile(file, []byte(yaml), 0o600)
			args = []string{"--config", file}
		}
		return app.LoadConfig(flag.NewFlagSet("t", flag.ContinueOnError), args, envMap(env))
	}
	cfg, err := load(nil, "")
	if err != nil || cfg.Roles.TokenVenueLimit() != 20 {
		t.Fatalf("defaults: %v, limit %d", err, cfg.Roles.TokenVenueLimit())
	}
	if c, err := cfg.Roles.BuildCatalogue(); err != nil || !slices.Equal(c.Defaults(), []string{"customer"}) {
		t.Fatalf("default catalogue: %v", err)
	}
	yaml := "roles:\n  catalogue:\n    - {name: fan, permissions: [merch:buy]}\n    - {name: usher, resource: venue, permissions: [\"*\"]}\n  default_roles: [fan]\n  max_token_venues: 5\n"
	cfg, err = load(map[string]string{"ADMIT_ROLES_MAX_TOKEN_VENUES": "7"}, yaml)
	if err != nil || cfg.Roles.TokenVenueLimit() != 7 {
		t.Fatalf("file + env: %v, limit %d (env wins)", err, cfg.Roles.TokenVenueLimit())
	}
	c, _ := cfg.Roles.BuildCatalogue()
	if r, ok := c.Role("usher"); !ok || r.Resource != "venue" || !slices.Equal(c.Defaults(), []string{"fan"}) {
		t.Fatalf("configured catalogue: %+v %v", r, c.Defaults())
	}
	for name, tt := range map[string]struct {
		env  map[string]string
		yaml string
		want []string
	}{
		"bad env":             {env: map[string]string{"ADMIT_ROLES_MAX_TOKEN_VENUES": "many"}, want: []string{"ADMIT_ROLES_MAX_TOKEN_VENUES"}},
		"limit out of range":  {yaml: "roles:\n  max_token_venues: -1\n", want: []string{"roles.max_token_venues"}},
		"default not defined": {yaml: "roles:\n  catalogue: [{name: fan}]\n", want: []string{`roles: default role "customer"`}},
		"invalid roles reported with other errors": {
			yaml: "signing_alg: HS256\nroles:\n  catalogue: [{name: Fan}, {name: x, permissions: [\"*\"]}]\n  default_roles: []\n",
			want: []string{"signing_alg", `role "Fan"`, `role "x"`},
		},
		"unknown key": {yaml: "roles:\n  catalog: []\n", want: []string{"catalog"}},
	} {
		_, err := load(tt.env, tt.yaml)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: err = %v, want one naming %s", name, err, w)
			}
		}
	}
}
