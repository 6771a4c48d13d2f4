package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/roles"
)

// Kinds of principals.
const (
	KindCLI    = "cli"
	KindClient = "client"
	KindUser   = "user"
)

// Principal is who acts. Build it with CLI, ClientPrincipal or
// UserPrincipal: they read the principal's state live from the store.
type Principal struct {
	Kind     string
	TenantID string
	UserID   string // KindUser
	ClientID string // KindClient
	// Admin: every operation in TenantID (a client, a user with
	// roles.PermAdmin, the CLI).
	Admin bool
	// Authz is a user's authorization from the grants in force.
	Authz roles.Authorization
	// Grants are a user's grants in force (they bound what a delegated
	// administrator may grant: see delegatedLimit).
	Grants []storage.RoleGrant
}

// CLI is the platform operator running `admit`.
func CLI() Principal {
	return Principal{Kind: KindCLI, TenantID: storage.DefaultTenantID, Admin: true}
}

// Actor is the audit log's ActorID: the user ID, "client:<id>" or "cli".
func (p Principal) Actor() string {
	switch p.Kind {
	case KindUser:
		return p.UserID
	case KindClient:
		return "client:" + p.ClientID
	}
	return "cli"
}

// Platform reports whether the principal administers the platform (an
// administrator of the default tenant, or the CLI).
func (p Principal) Platform() bool {
	return p.Admin && p.TenantID == storage.DefaultTenantID
}

// ClientPrincipal is an admin client acting for itself (client_credentials).
// ErrUnauthenticated if the client is gone; ErrForbidden if its tenant is
// suspended.
func (s *Service) ClientPrincipal(ctx context.Context, clientID string) (Principal, error) {
	c, err := s.Store.GetClient(ctx, clientID)
	if errors.Is(err, storage.ErrNotFound) {
		return Principal{}, fmt.Errorf("client %s: %w", clientID, ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, err
	}
	if c.TenantSuspended() {
		return Principal{}, fmt.Errorf("tenant of client %s is suspended: %w", clientID, ErrForbidden)
	}
	return Principal{Kind: KindClient, TenantID: tenantOr(c.TenantID), ClientID: c.ID, Admin: true}, nil
}

// Scope is the OAuth scope an access token needs at the admin API.
const Scope = "admit:admin"

// Token is what the admin API knows of a verified access token.
type Token struct {
	ClientID, Subject, TenantID string
	// User: issued to a user (not client_credentials).
	User     bool
	IssuedAt time.Time
}

// TokenPrincipal is the principal behind an admin API token, checked live
// against the client that obtained it: the client must still exist, still
// be registered for Scope, be the one the token was issued to (not a later
// client that took a deleted client's ID) and be of the token's tenant. A
// user token then acts as UserPrincipal in the client's tenant.
func (s *Service) TokenPrincipal(ctx context.Context, t Token) (Principal, error) {
	c, err := s.Store.GetClient(ctx, t.ClientID)
	if errors.Is(err, storage.ErrNotFound) {
		return Principal{}, fmt.Errorf("client %s: %w", t.ClientID, ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, err
	}
	tenant := tenantOr(c.TenantID)
	switch {
	case !slices.Contains(c.Scopes, Scope):
		return Principal{}, fmt.Errorf("client %s is no longer registered for %s: %w", c.ID, Scope, ErrUnauthenticated)
	case t.IssuedAt.Before(c.CreatedAt.Truncate(time.Second)):
		return Principal{}, fmt.Errorf("token older than client %s: %w", c.ID, ErrUnauthenticated)
	case t.TenantID != "" && t.TenantID != tenant:
		return Principal{}, fmt.Errorf("token of tenant %s for client of tenant %s: %w", t.TenantID, tenant, ErrUnauthenticated)
	case c.TenantSuspended():
		return Principal{}, fmt.Errorf("tenant of client %s is suspended: %w", c.ID, ErrForbidden)
	case t.User:
		return s.UserPrincipal(ctx, tenant, t.Subject)
	case t.Subject != c.ID || !c.AllowsGrant("client_credentials"):
		return Principal{}, fmt.Errorf("client %s: not a client_credentials token: %w", c.ID, ErrUnauthenticated)
	}
	return Principal{Kind: KindClient, TenantID: tenant, ClientID: c.ID, Admin: true}, nil
}

// UserPrincipal is a user acting through a token or the account area. An
// empty tenantID is looked up. The user's grants in force now decide what
// it may do. ErrUnauthenticated if the user is gone or disabled.
func (s *Service) UserPrincipal(ctx context.Context, tenantID, userID string) (Principal, error) {
	var u storage.User
	var err error
	if tenantID == "" {
		u, err = s.Store.GetUser(ctx, userID)
	} else {
		u, err = s.Store.GetTenantUser(ctx, tenantID, userID)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return Principal{}, fmt.Errorf("user %s: %w", userID, ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, err
	}
	if u.Disabled {
		return Principal{}, fmt.Errorf("user %s is disabled: %w", userID, ErrUnauthenticated)
	}
	if u.TenantSuspended() {
		return Principal{}, fmt.Errorf("tenant of user %s is suspended: %w", userID, ErrForbidden)
	}
	tid := tenantOr(u.TenantID)
	grants, err := s.Store.UserRoleGrants(ctx, tid, u.ID, s.now())
	if err != nil {
		return Principal{}, err
	}
	a := s.Catalogue.Authorize(grants, s.now())
	return Principal{Kind: KindUser, TenantID: tid, UserID: u.ID, Admin: a.Can(roles.PermAdmin), Authz: a, Grants: grants}, nil
}

func tenantOr(id string) string {
	if id == "" {
		return storage.DefaultTenantID
	}
	return id
}

// inTenant checks that p administers tenantID: its own tenant, or any
// existing tenant for a platform administrator.
func (s *Service) inTenant(ctx context.Context, p Principal, tenantID string) error {
	if !p.Admin {
		return fmt.Errorf("%s is not an administrator: %w", p.Actor(), ErrForbidden)
	}
	if p.TenantID == tenantID {
		return nil
	}
	if !p.Platform() {
		return fmt.Errorf("%s may not act in tenant %s: %w", p.Actor(), tenantID, ErrForbidden)
	}
	_, err := s.Store.GetTenant(ctx, tenantID)
	return mapErr(err, "tenant "+tenantID)
}

// platform checks that p administers the platform.
func platform(p Principal) error {
	if !p.Platform() {
		return fmt.Errorf("%s is not a platform administrator: %w", p.Actor(), ErrForbidden)
	}
	return nil
}

// onVenue checks that p may manage the roles of the venue in tenantID: a
// tenant administrator, or a user of the tenant with roles.PermManageRoles
// on the venue (delegated administration).
func (s *Service) onVenue(ctx context.Context, p Principal, tenantID, venueID string) error {
	if p.Admin {
		return s.inTenant(ctx, p, tenantID)
	}
	if p.Kind == KindUser && p.TenantID == tenantID && p.Authz.CanOn(roles.PermManageRoles, storage.ResourceVenue, venueID) {
		return nil
	}
	return fmt.Errorf("%s may not manage the roles of venue %s: %w", p.Actor(), venueID, ErrForbidden)
}

// venueAccess checks that p may see who holds roles at the venue: a tenant
// administrator, or a user of the tenant holding any role there (the old
// service's requireVenueAccess for GET /venues/{venueId}/roles).
func (s *Service) venueAccess(ctx context.Context, p Principal, tenantID, venueID string) error {
	if p.Admin {
		return s.inTenant(ctx, p, tenantID)
	}
	if p.Kind == KindUser && p.TenantID == tenantID && len(p.Authz.Venues()[venueID]) > 0 {
		return nil
	}
	return fmt.Errorf("%s holds no role at venue %s: %w", p.Actor(), venueID, ErrForbidden)
}

// CanManageVenue reports whether p may grant and revoke roles at the venue
// of its own tenant (the account area shows the forms only then).
func (p Principal) CanManageVenue(venueID string) bool {
	return p.Admin || (p.Kind == KindUser && p.Authz.CanOn(roles.PermManageRoles, storage.ResourceVenue, venueID))
}

// delegate reports whether p may manage roles of some venue (so it may
// read the catalogue).
func delegate(p Principal) bool {
	if p.Admin {
		return true
	}
	for id := range p.Authz.Venues() {
		if p.Authz.CanOn(roles.PermManageRoles, storage.ResourceVenue, id) {
			return true
		}
	}
	return false
}
