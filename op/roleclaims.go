package op

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/roles"
)

// ScopeVenues grants the venue_roles claim. Clients must register it.
const ScopeVenues = "venues"

// Claims about tenants and roles (see doc.go).
const (
	ClaimTenantID    = "tenant_id"
	ClaimRoles       = "roles"
	ClaimPermissions = "permissions"
	ClaimVenueRoles  = "venue_roles"
	// venueClaimSource names the distributed-claims source of venue_roles
	// when a token would carry more than MaxTokenVenues venues.
	venueClaimSource = "venues"
)

// DefaultMaxTokenVenues is the default Storage.MaxTokenVenues.
const DefaultMaxTokenVenues = 20

// Authorizer turns a user's role grants into roles and permissions
// (*roles.Catalogue implements it).
type Authorizer interface {
	Authorize(grants []storage.RoleGrant, now time.Time) roles.Authorization
}

// GrantReader reads the role grants of a user in force at a time, in one
// query, alone or with the user (storage.RoleGrants implements it).
type GrantReader interface {
	UserRoleGrants(ctx context.Context, tenantID, userID string, at time.Time) ([]storage.RoleGrant, error)
	GetUserWithGrants(ctx context.Context, userID string, at time.Time) (storage.User, []storage.RoleGrant, error)
}

// claimSource is a distributed-claims source (OIDC Core 5.6.2).
type claimSource struct {
	Endpoint string `json:"endpoint"`
}

// roleClaims are the role claims of an access token.
type roleClaims struct {
	Roles        []string
	Permissions  []string
	VenueRoles   map[string][]string
	ClaimNames   map[string]string
	ClaimSources map[string]claimSource
	// Until is when the first grant behind these claims expires (zero:
	// none does): the token must not outlive it.
	Until time.Time
}

// authorization reads the user's grants (one query) and authorizes them at
// now; ok is false when no Authorizer is configured.
func (s *Storage) authorization(ctx context.Context, tenantID, userID string, now time.Time) (roles.Authorization, []storage.RoleGrant, bool, error) {
	if !s.rolesOn() {
		return roles.Authorization{}, nil, false, nil
	}
	grants, ok := rememberedGrants(ctx, userID)
	if !ok {
		var err error
		if grants, err = s.Grants.UserRoleGrants(ctx, tenantOf(tenantID), userID, now); err != nil {
			return roles.Authorization{}, nil, false, toOIDCError(ctx, err, "cannot read the user's roles")
		}
	}
	return s.Authorizer.Authorize(grants, now), grants, true, nil
}

// firstExpiry is when the first grant in force at now, of those behind the
// claims (global grants, and venue grants when venue roles are included),
// expires; zero if none of them does.
func firstExpiry(grants []storage.RoleGrant, now time.Time, venues bool) time.Time {
	var first time.Time
	for _, g := range grants {
		if !g.InForce(now) || g.ExpiresAt.IsZero() || (!g.Global() && !venues) {
			continue
		}
		if first.IsZero() || g.ExpiresAt.Before(first) {
			first = g.ExpiresAt
		}
	}
	return first
}

func (s *Storage) rolesOn() bool { return s.Authorizer != nil && s.Grants != nil }

// userRoleClaims builds the role claims of a user's access token: global
// roles and permissions always, venue roles only with the venues scope and
// at most MaxTokenVenues of them; past the limit the token points to the
// userinfo endpoint instead (distributed claims).
func (s *Storage) userRoleClaims(ctx context.Context, t tokenSubject, now time.Time) (roleClaims, error) {
	a, grants, ok, err := s.authorization(ctx, t.tenantID, t.subject, now)
	if err != nil || !ok {
		return roleClaims{}, err
	}
	venuesScope := slices.Contains(t.scopes, ScopeVenues)
	rc := roleClaims{Roles: a.Roles, Permissions: a.Permissions, Until: firstExpiry(grants, now, venuesScope)}
	if !venuesScope {
		return rc, nil
	}
	venues := a.Venues()
	if len(venues) <= s.maxTokenVenues() {
		rc.VenueRoles = venues
		return rc, nil
	}
	rc.ClaimNames = map[string]string{ClaimVenueRoles: venueClaimSource}
	rc.ClaimSources = map[string]claimSource{venueClaimSource: {Endpoint: userinfoURL(ctx)}}
	return rc, nil
}

func (s *Storage) maxTokenVenues() int {
	if s.MaxTokenVenues <= 0 {
		return DefaultMaxTokenVenues
	}
	return s.MaxTokenVenues
}

// userinfoURL is the userinfo endpoint of the issuer serving ctx.
func userinfoURL(ctx context.Context) string {
	return zop.DefaultEndpoints.Userinfo.Absolute(zop.IssuerFromContext(ctx))
}

// appendUserinfoRoles answers tenant_id, roles, permissions and, with the
// venues scope, every venue role (no limit: this is where tokens past the
// limit send resource servers).
func (s *Storage) appendUserinfoRoles(ctx context.Context, info *oidc.UserInfo, u storage.User, scopes []string) error {
	info.AppendClaims(ClaimTenantID, tenantOf(u.TenantID))
	a, _, ok, err := s.authorization(ctx, u.TenantID, u.ID, s.now())
	if err != nil || !ok {
		return err
	}
	info.AppendClaims(ClaimRoles, nonNil(a.Roles))
	info.AppendClaims(ClaimPermissions, nonNil(a.Permissions))
	if slices.Contains(scopes, ScopeVenues) {
		venues := a.Venues()
		if venues == nil {
			venues = map[string][]string{}
		}
		info.AppendClaims(ClaimVenueRoles, venues)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// tenantOf is the tenant of a record: backends store an empty tenant as
// the default one.
func tenantOf(id string) string { return cmp.Or(id, storage.DefaultTenantID) }

// Tenant refusals. A suspended client is refused like an unknown one
// (invalid_client; at /authorize an error page, never a redirect).
var (
	errClientTenantSuspended = func() *oidc.Error {
		return oidc.ErrInvalidClient().WithDescription("the client's tenant is suspended")
	}
	errUserTenantSuspended = func() *oidc.Error {
		return oidc.ErrInvalidGrant().WithDescription("the user's tenant is suspended")
	}
	errTenantMismatch = func() *oidc.Error {
		return oidc.ErrInvalidGrant().WithDescription("the user does not belong to the client's tenant")
	}
)

// checkSameTenant refuses a grant whose user belongs to another tenant than
// the client (the login pages refuse it too: defence in depth).
func checkSameTenant(u storage.User, c storage.Client) error {
	if tenantOf(u.TenantID) != tenantOf(c.TenantID) {
		return errTenantMismatch()
	}
	return nil
}

// grantParties reads the user and the client a grant is issued for, both
// still allowed to get tokens and of one tenant: the check every user grant
// (code, refresh, device) makes before minting.
func (s *Storage) grantParties(ctx context.Context, userID, clientID string) (storage.User, storage.Client, error) {
	s.primeGrantUser(ctx, userID, clientID)
	u, err := s.activeUser(ctx, userID)
	if err != nil {
		return storage.User{}, storage.Client{}, err
	}
	c, err := s.activeClient(ctx, clientID)
	if err != nil {
		return storage.User{}, storage.Client{}, toOIDCError(ctx, err, "unknown client")
	}
	if err := checkSameTenant(u, c); err != nil {
		return storage.User{}, storage.Client{}, err
	}
	return u, c, nil
}

// activeClient is getClient refusing clients of a suspended tenant. The
// status comes with the client (same query), so this costs nothing.
func (s *Storage) activeClient(ctx context.Context, id string) (storage.Client, error) {
	c, err := s.getClient(ctx, id)
	if err != nil {
		return storage.Client{}, err
	}
	if c.TenantSuspended() {
		return storage.Client{}, errClientTenantSuspended()
	}
	return c, nil
}
