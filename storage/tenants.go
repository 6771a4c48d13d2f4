package storage

import (
	"context"
	"regexp"
	"time"
)

// DefaultTenantID is the tenant every user and client belongs to unless
// told otherwise; the old service created it with this ID and slug
// "default". Its administrators are the platform's operators (see storage/admin).
const DefaultTenantID = "00000000-0000-0000-0000-000000000001"

// Tenant states.
const (
	TenantActive    = "active"
	TenantSuspended = "suspended"
)

// The shapes of tenant slugs and venue IDs, declared once here for every
// layer that checks them: storage/admin refuses other values on writes, and
// login treats them as unknown without asking the store.
const (
	// SlugPattern: 1-63 of a-z 0-9 and inner hyphens (a lower-case DNS
	// label, RFC 1035 section 2.3.1, digits allowed first per RFC 1123).
	SlugPattern = `^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`
	// VenueIDPattern: 1-128 of A-Z a-z 0-9 . _ : - (safe in a URL path
	// segment without escaping).
	VenueIDPattern = `^[A-Za-z0-9._:-]{1,128}$`
)

var (
	slugRE    = regexp.MustCompile(SlugPattern)
	venueIDRE = regexp.MustCompile(VenueIDPattern)
)

// ValidSlug reports whether s has the shape of a tenant slug.
func ValidSlug(s string) bool { return slugRE.MatchString(s) }

// ValidVenueID reports whether id has the shape of a venue ID.
func ValidVenueID(id string) bool { return venueIDRE.MatchString(id) }

// Tenant is an isolated population of users and clients. A client signs in
// only users of its own tenant, and every admin query carries a tenant ID.
type Tenant struct {
	ID        string
	Slug      string // unique, URL-safe
	Name      string
	Status    string // TenantActive or TenantSuspended
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Active reports whether the tenant's users may sign in and its clients may
// get tokens.
func (t Tenant) Active() bool { return t.Status == TenantActive }

// PageRequest asks for one page of a list ordered by ID (keyset pagination:
// After is the last ID of the previous page, empty for the first page).
type PageRequest struct {
	After string
	// Limit is the page size; backends treat values outside 1..MaxPageSize
	// as MaxPageSize.
	Limit int
}

// MaxPageSize bounds every page a backend returns.
const MaxPageSize = 200

// Size is the effective page size of p.
func (p PageRequest) Size() int {
	if p.Limit < 1 || p.Limit > MaxPageSize {
		return MaxPageSize
	}
	return p.Limit
}

// Page is one page of a list. Next is the cursor of the following page
// (the last item's ID), empty on the last page.
type Page[T any] struct {
	Items []T
	Next  string
}

// TenantFilter selects tenants; zero fields match everything.
type TenantFilter struct {
	Status string
	// Query matches a substring of the slug or the name (case-insensitive).
	Query string
}

// Tenants is the tenant aggregate (durable).
type Tenants interface {
	// CreateTenant: ErrAlreadyExists if the ID or the slug is taken. An
	// empty Status is stored as TenantActive.
	CreateTenant(ctx context.Context, t Tenant) error
	// GetTenant: ErrNotFound if there is no such tenant.
	GetTenant(ctx context.Context, id string) (Tenant, error)
	// GetTenantBySlug: ErrNotFound if there is no such tenant.
	GetTenantBySlug(ctx context.Context, slug string) (Tenant, error)
	// UpdateTenant replaces slug, name, status and UpdatedAt of t.ID.
	// ErrNotFound if there is no such tenant, ErrAlreadyExists if the slug
	// belongs to another tenant.
	UpdateTenant(ctx context.Context, t Tenant) error
	// ListTenants returns tenants ordered by ID.
	ListTenants(ctx context.Context, f TenantFilter, p PageRequest) (Page[Tenant], error)
}

// Resource types a role grant can be scoped to.
const (
	// ResourceVenue scopes a grant to one venue (ResourceID = venue ID).
	ResourceVenue = "venue"
)

// RoleGrant gives a user a role, globally (ResourceType and ResourceID
// empty) or for one resource. A grant counts while it is active and not
// expired: expiry needs no job, every read compares ExpiresAt with now.
type RoleGrant struct {
	ID           string
	TenantID     string
	UserID       string
	Role         string
	ResourceType string
	ResourceID   string
	// GrantedBy is the actor: a user ID, or "client:<id>" for an admin
	// client, or "cli".
	GrantedBy string
	GrantedAt time.Time
	// ExpiresAt ends the grant; zero means it does not expire.
	ExpiresAt time.Time
	Active    bool
	RevokedBy string
	RevokedAt time.Time
}

// InForce reports whether the grant counts at now.
func (g RoleGrant) InForce(now time.Time) bool {
	return g.Active && (g.ExpiresAt.IsZero() || now.Before(g.ExpiresAt))
}

// Global reports whether the grant is not scoped to a resource.
func (g RoleGrant) Global() bool { return g.ResourceType == "" }

// GrantFilter selects role grants of one tenant. TenantID is required:
// backends return no grants for an empty TenantID. Other zero fields match
// everything. Global selects only unscoped grants (ResourceType must then be
// empty).
type GrantFilter struct {
	TenantID     string
	UserID       string
	Role         string
	ResourceType string
	ResourceID   string
	Global       bool
	// InForceAt, when set, keeps only grants in force at that time;
	// otherwise inactive and expired grants are listed too.
	InForceAt time.Time
}

// RoleGrants is the role-grant aggregate (durable).
type RoleGrants interface {
	// PutRoleGrant stores g as an active grant (Active, RevokedBy and
	// RevokedAt of g are ignored); ErrNotFound if its tenant does not
	// exist or has no user g.UserID. If an active grant of the same (tenant, user,
	// role, resource) exists, that grant is kept and only its ExpiresAt is
	// replaced by g's; the stored grant is returned either way.
	PutRoleGrant(ctx context.Context, g RoleGrant) (RoleGrant, error)
	// RevokeRoleGrants deactivates the active grants matching f (TenantID
	// and UserID required; InForceAt ignored), recording who and when, and
	// returns them. Revoking nothing is not an error.
	RevokeRoleGrants(ctx context.Context, f GrantFilter, by string, at time.Time) ([]RoleGrant, error)
	// ListRoleGrants returns matching grants ordered by ID.
	ListRoleGrants(ctx context.Context, f GrantFilter, p PageRequest) (Page[RoleGrant], error)
	// UserRoleGrants returns every grant of the user in force at `at`, in
	// one round trip (the token endpoint calls it), ordered by ID.
	UserRoleGrants(ctx context.Context, tenantID, userID string, at time.Time) ([]RoleGrant, error)
	// GetUserWithGrants is GetUser and UserRoleGrants (in the user's
	// tenant) in one round trip: the token endpoint needs both for every
	// token it issues. ErrNotFound if there is no such user.
	GetUserWithGrants(ctx context.Context, userID string, at time.Time) (User, []RoleGrant, error)
}

// UserFilter selects users of one tenant (TenantID required).
type UserFilter struct {
	TenantID string
	// Email matches a substring of the e-mail (case-insensitive).
	Email string
	// Name matches a substring of "given family" (case-insensitive).
	Name string
	// Disabled, when not nil, keeps only users with that flag.
	Disabled *bool
	// IncludeDeleted lists soft-deleted users too.
	IncludeDeleted bool
}

// ClientFilter selects clients of one tenant (TenantID required).
type ClientFilter struct {
	TenantID string
	// Query matches a substring of the ID or the name (case-insensitive).
	Query string
}

// Directory is the tenant-scoped administration of users and clients. Every
// method takes the tenant ID and matches it in the same query as the ID, so
// a record of another tenant is ErrNotFound, never returned or changed.
type Directory interface {
	GetTenantUser(ctx context.Context, tenantID, userID string) (User, error)
	ListUsers(ctx context.Context, f UserFilter, p PageRequest) (Page[User], error)
	// SetUserDisabled sets the disabled flag. ErrNotFound if no live user
	// of the tenant has the ID.
	SetUserDisabled(ctx context.Context, tenantID, userID string, disabled bool, at time.Time) error

	GetTenantClient(ctx context.Context, tenantID, clientID string) (Client, error)
	ListTenantClients(ctx context.Context, f ClientFilter, p PageRequest) (Page[Client], error)
	// UpdateClient replaces every field of the client (c.ID in c.TenantID)
	// except ID, TenantID, SecretHash and CreatedAt. ErrNotFound if the
	// tenant has no such client.
	UpdateClient(ctx context.Context, c Client) error
	// SetClientSecretHash replaces the secret hash. ErrNotFound if the
	// tenant has no such client.
	SetClientSecretHash(ctx context.Context, tenantID, clientID, hash string) error
	// DeleteTenantClient: ErrNotFound if the tenant has no such client.
	DeleteTenantClient(ctx context.Context, tenantID, clientID string) error
}
