package op

import (
	"slices"

	"github.com/admit-idp/admit/storage/roles"
)

// legacyClaims are the old auth-service's access-token claims that Admit
// adds, for the clients listed in Storage.LegacyClaimsClients, next to its
// own, so resource servers that still read them keep working while they
// move to the standard ones. The old jwt.service.ts issued
// {sub, type: "access", jti, tenant_id, permissions, role}; tenant_id and
// permissions already have the same name and shape in Admit's tokens
// (permissions now come from the role catalogue). venueRoles repeats
// venue_roles under the old code's camelCase name for services that read
// the venue roles the old RBAC service computed.
type legacyClaims struct {
	// Type is always "access": the old verifyAccessToken refused tokens
	// without it.
	Type string `json:"type,omitempty"`
	// Role is the old single role: "admin" for an administrator, else the
	// first other global role, else "customer" (the old default).
	Role       string              `json:"role,omitempty"`
	VenueRoles map[string][]string `json:"venueRoles,omitempty"`
}

func oldServiceClaims(rc roleClaims) legacyClaims {
	role := roles.Customer
	if slices.Contains(rc.Roles, "admin") {
		role = "admin"
	} else {
		for _, r := range rc.Roles {
			if r != roles.Customer {
				role = r
				break
			}
		}
	}
	return legacyClaims{Type: "access", Role: role, VenueRoles: rc.VenueRoles}
}
