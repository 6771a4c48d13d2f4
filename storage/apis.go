package storage

import (
	"context"
	"net/url"
	"strings"
	"time"
)

// ValidResourceURI reports whether s may be a resource indicator, and so
// an API identifier: an absolute URI without a fragment (RFC 8707 section
// 2), at most 2000 characters.
func ValidResourceURI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.IsAbs() && !strings.Contains(s, "#") && len(s) <= 2000 &&
		!strings.ContainsAny(s, " \t\r\n")
}

// API is a protected resource registered with Admit: a service of the
// platform (ticketing, payments…) that accepts Admit's access tokens. Its
// Identifier is the RFC 8707 resource indicator clients name in the
// "resource" parameter and the "aud" of the tokens issued for it (RFC 9068
// section 3).
type API struct {
	// ID is the short handle used by the admin API and the CLI.
	ID string
	// TenantID is the API's tenant: only clients of the same tenant get
	// tokens for it. Backends store an empty TenantID as DefaultTenantID.
	TenantID string
	// Identifier is the resource URI (absolute, no fragment: RFC 8707
	// section 2). It is unique across tenants, so a token's audience names
	// exactly one API.
	Identifier string
	Name       string
	// Scopes are the scopes the API understands; a token for the API carries
	// only the granted scopes among them.
	Scopes []string
	// AccessTokenLifetime of tokens for the API; zero means the client's.
	AccessTokenLifetime time.Duration
	// SigningAlg signs the API's JWT access tokens (RS256, ES256 or EdDSA);
	// empty means the client's choice, else the instance default.
	SigningAlg string
	// Opaque APIs get opaque access tokens, which they introspect (RFC 7662)
	// instead of verifying a JWT.
	Opaque bool
	// IntrospectionClientID is the confidential client the API
	// authenticates as at the introspection endpoint; empty when the API
	// does not introspect.
	IntrospectionClientID string
	CreatedAt             time.Time
}

// APIs is the registered-resource aggregate (durable).
type APIs interface {
	// CreateAPI: ErrAlreadyExists if the ID or the Identifier is taken,
	// ErrNotFound if the tenant does not exist.
	CreateAPI(ctx context.Context, a API) error
	// GetAPI: ErrNotFound if there is no such API.
	GetAPI(ctx context.Context, id string) (API, error)
	// GetAPIByIdentifier finds an API by its resource URI (compared
	// exactly): ErrNotFound if none.
	GetAPIByIdentifier(ctx context.Context, identifier string) (API, error)
	// ListAPIs returns the APIs of a tenant ordered by ID; all tenants' when
	// tenantID is empty.
	ListAPIs(ctx context.Context, tenantID string) ([]API, error)
	// UpdateAPI replaces every field but ID, TenantID and CreatedAt:
	// ErrNotFound if there is no such API, ErrAlreadyExists if the new
	// Identifier is another API's. When the Identifier changes, the clients
	// that allowed the API allow it under its new identifier (in the same
	// transaction); their IDs are returned, ordered, and each gets a
	// client.changed event.
	UpdateAPI(ctx context.Context, a API) (clientIDs []string, err error)
	// DeleteAPI deletes the API and, in the same transaction, removes its
	// Identifier from every client's AllowedResources, so that an API
	// created later with the same identifier is not silently allowed to
	// the clients of the one deleted. It returns the IDs of the clients
	// whose allowlist changed, ordered, and writes a client.changed event
	// for each (ClientsUpdatedEvents). ErrNotFound if there is no such
	// API.
	DeleteAPI(ctx context.Context, id string) (clientIDs []string, err error)
}
