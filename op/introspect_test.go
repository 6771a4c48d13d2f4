package op

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// opIntrospection is the answer op's handler encoded before Admit answered
// introspection itself: oidc.IntrospectionResponse, filled as
// SetIntrospectionFromToken filled it then.
func opIntrospection(c accessClaims) *oidc.IntrospectionResponse {
	resp := &oidc.IntrospectionResponse{Active: true}
	resp.Scope = strings.Fields(c.Scope)
	resp.ClientID = c.ClientID
	resp.TokenType = oidc.BearerToken
	resp.Expiration = oidc.FromTime(time.Unix(c.Expiry, 0))
	resp.IssuedAt = oidc.FromTime(time.Unix(c.IssuedAt, 0))
	resp.Subject = c.Subject
	resp.Audience = c.Audience
	resp.Issuer = c.Issuer
	resp.JWTID = c.ID
	claims := map[string]any{}
	if c.AuthTime != 0 {
		claims["auth_time"], claims["acr"], claims["amr"] = c.AuthTime, c.ACR, c.AMR
	}
	if c.TenantID != "" {
		claims[ClaimTenantID] = c.TenantID
	}
	if c.Roles != nil {
		claims[ClaimRoles], claims[ClaimPermissions] = c.Roles, c.Permissions
	}
	if c.VenueRoles != nil {
		claims[ClaimVenueRoles] = c.VenueRoles
	}
	if c.Act != nil {
		claims["act"] = c.Act
	}
	if c.Cnf != nil {
		resp.TokenType = "DPoP"
		claims["cnf"] = c.Cnf
	}
	if c.ClaimNames != nil {
		claims["_claim_names"], claims["_claim_sources"] = c.ClaimNames, c.ClaimSources
	}
	if len(claims) > 0 {
		resp.Claims = claims
	}
	return resp
}

func decodedJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestIntrospectionMatchesOp: Admit's one-pass introspection answer has the
// same members, with the same values, as op's answer had, for every kind of
// token; and SetIntrospectionFromToken (op's interface) still fills op's
// answer the same way.
func TestIntrospectionMatchesOp(t *testing.T) {
	base := accessClaims{
		Issuer: "https://id.example", Subject: "u1", Audience: []string{"shop", "api"}, Expiry: 1_900_000_000,
		IssuedAt: 1_899_999_000, ID: "jti-1", ClientID: "shop", Scope: "openid  profile email", GrantID: "g1",
	}
	with := func(f func(c *accessClaims)) accessClaims {
		c := base
		c.Audience = append([]string(nil), base.Audience...)
		f(&c)
		return c
	}
	for name, c := range map[string]accessClaims{
		"client token": with(func(c *accessClaims) { c.Subject, c.Scope, c.TenantID = "shop", "", "t1" }),
		"user token": with(func(c *accessClaims) {
			c.AuthTime, c.ACR, c.AMR, c.TenantID = 1_899_998_000, "urn:mace:incommon:iap:silver", []string{"pwd", "otp"}, "t1"
		}),
		"user without acr": with(func(c *accessClaims) { c.AuthTime = 1_899_998_000 }),
		"roles": with(func(c *accessClaims) {
			c.AuthTime, c.Roles, c.Permissions = 1, []string{"admin"}, []string{"users:read"}
		}),
		"roles no perms": with(func(c *accessClaims) { c.AuthTime, c.Roles = 1, []string{} }),
		"venue roles":    with(func(c *accessClaims) { c.AuthTime, c.VenueRoles = 1, map[string][]string{"v1": {"staff"}, "v2": {}} }),
		"delegated":      with(func(c *accessClaims) { c.Act = map[string]any{"sub": "orders-api", "act": map[string]any{"sub": "x"}} }),
		"dpop":           with(func(c *accessClaims) { c.AuthTime, c.Cnf = 1, &confirmation{JKT: "thumb"} }),
		"distributed claims": with(func(c *accessClaims) {
			c.AuthTime, c.ClaimNames, c.ClaimSources = 1, map[string]string{"venue_roles": "src1"}, map[string]claimSource{"src1": {Endpoint: "https://id.example/userinfo"}}
		}),
		"no scope no aud":     with(func(c *accessClaims) { c.Scope, c.Audience = "", nil }),
		"legacy claims unset": with(func(c *accessClaims) { c.Type, c.Role = "access", "customer" }),
	} {
		t.Run(name, func(t *testing.T) {
			want := decodedJSON(t, opIntrospection(c))
			if got := decodedJSON(t, introspectionOf(c)); !reflect.DeepEqual(got, want) {
				t.Errorf("Admit's answer\n%v\nop's answer\n%v", got, want)
			}
			// op's interface, filled from the same answer.
			resp := &oidc.IntrospectionResponse{Active: true}
			fillIntrospection(resp, introspectionOf(c))
			if got := decodedJSON(t, resp); !reflect.DeepEqual(got, want) {
				t.Errorf("SetIntrospectionFromToken's answer\n%v\nop's answer\n%v", got, want)
			}
		})
	}
}
