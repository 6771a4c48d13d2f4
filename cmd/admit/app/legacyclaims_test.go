package app_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/admit-idp/admit/cmd/admit/app"
	"github.com/admit-idp/admit/op"
)

// oldClaims are the claims the old auth-service's jwt.service.ts put in
// access tokens (plus venueRoles), as a not-yet-moved resource server
// reads them.
type oldClaims struct {
	Sub         string              `json:"sub"`
	Type        string              `json:"type"`
	TenantID    string              `json:"tenant_id"`
	Role        string              `json:"role"`
	Permissions []string            `json:"permissions"`
	VenueRoles  map[string][]string `json:"venueRoles"`
}

func (e *env) oldClaims(token string) oldClaims {
	e.t.Helper()
	payload, err := oidc.NewRemoteKeySet(context.Background(), e.issuer+"/keys").VerifySignature(context.Background(), token)
	if err != nil {
		e.t.Fatal(err)
	}
	var c oldClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// TestLegacyClaimsPerClient: a client listed in roles.legacy_claims_clients
// gets the old service's claims next to the standard ones; any other
// client does not (the option is off by default).
func TestLegacyClaimsPerClient(t *testing.T) {
	e := newEnvWith(t, memoryBackend, envOptions{configure: func(c *app.Config) { c.Roles.LegacyClaimsClients = []string{venuesClientID} }})
	e.addVenuesClient(venuesClientID, "")
	e.addVenuesClient("modern-app", "")
	u := e.demoUser()
	e.grant(u, "box-office", "v1", time.Time{})

	tok := e.codeSignIn(e.rp(venuesClientID, venuesClientSecret, oidc.ScopeOpenID, op.ScopeVenues))
	c := e.oldClaims(tok.AccessToken)
	if c.Type != "access" || c.Role != "customer" || c.TenantID == "" || c.Sub != u.ID || len(c.Permissions) == 0 ||
		!reflect.DeepEqual(c.VenueRoles, map[string][]string{"v1": {"box-office"}}) {
		t.Fatalf("old claims = %+v", c)
	}
	if std := e.verifiedClaims(tok.AccessToken); !reflect.DeepEqual(std.VenueRoles, c.VenueRoles) || std.Roles == nil {
		t.Fatalf("standard claims missing next to the old ones: %+v", std)
	}
	e.grant(u, "admin", "", time.Time{})
	if c := e.oldClaims(e.codeSignIn(e.rp(venuesClientID, venuesClientSecret, oidc.ScopeOpenID)).AccessToken); c.Role != "admin" {
		t.Fatalf("an admin's old role claim = %q", c.Role)
	}

	other := e.oldClaims(e.codeSignIn(e.rp("modern-app", venuesClientSecret, oidc.ScopeOpenID, op.ScopeVenues)).AccessToken)
	if other.Type != "" || other.Role != "" || other.VenueRoles != nil {
		t.Fatalf("a client without the option got old claims: %+v", other)
	}
}
