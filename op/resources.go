package op

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/storage"
)

// Resource indicators (RFC 8707). A client names the API it wants a token
// for with one or more "resource" parameters, at /authorize (the grant
// covers those APIs) and at the token endpoint (the access token is for
// those of them). The rule, the same for every grant and for token
// exchange's resource and audience:
//
//   - the resource is a registered API (storage.API, by Identifier) of the
//     client's tenant, and in the client's AllowedResources;
//   - at the token endpoint of the code and refresh grants it is also one
//     of the resources granted at /authorize (RFC 8707 section 2.2);
//   - anything else is invalid_target (RFC 8707 section 2).
//
// The access token for APIs has aud = their identifiers, the granted scopes
// that are the APIs' scopes, the API's lifetime and signing algorithm, and
// is an RFC 9068 JWT or, for an opaque API, an opaque token the API
// introspects as its IntrospectionClientID (RFC 7662). Without any resource
// the token is, as before, for the client itself.

// APIReader is what the provider needs of the API registry.
type APIReader interface {
	GetAPIByIdentifier(ctx context.Context, identifier string) (storage.API, error)
}

// ResourceParam is RFC 8707's request parameter.
const ResourceParam = "resource"

type resourcesKey struct{}

// ResourceIndicators reads the "resource" parameters of a request (query or
// form; several are allowed, RFC 8707 section 2) into its context, where
// the storage methods of /authorize and the token endpoint find them: op
// does not pass them on. Mount it in front of op's /authorize and token
// endpoints.
func ResourceIndicators(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A body that does not parse is op's to refuse; ParseForm keeps
		// what it read, and op parses again.
		_ = r.ParseForm()
		if vals := r.Form[ResourceParam]; len(vals) > 0 {
			r = r.WithContext(WithResources(r.Context(), vals))
		}
		next.ServeHTTP(w, r)
	})
}

// WithResources returns ctx carrying the request's resource indicators.
func WithResources(ctx context.Context, resources []string) context.Context {
	return context.WithValue(ctx, resourcesKey{}, slices.Clone(resources))
}

// requestedResources are the resource indicators of the request, if any.
func requestedResources(ctx context.Context) []string {
	r, _ := ctx.Value(resourcesKey{}).([]string)
	return r
}

// target is what an access token is for: its audience, scopes, lifetime,
// signing algorithm and form.
type target struct {
	audience []string
	scopes   []string
	lifetime time.Duration
	alg      string
	opaque   bool
	// resources are the APIs granted (kept with a refresh token).
	resources []string
}

// lookupAPIs resolves resource indicators to APIs the client may get tokens
// for (see the rule above): invalid_target for any other.
func (s *Storage) lookupAPIs(ctx context.Context, c storage.Client, resources []string) ([]storage.API, error) {
	apis := make([]storage.API, 0, len(resources))
	for _, res := range resources {
		if !storage.ValidResourceURI(res) {
			return nil, errInvalidTarget("resource %q is not an absolute URI without a fragment", res)
		}
		if slices.ContainsFunc(apis, func(a storage.API) bool { return a.Identifier == res }) {
			continue
		}
		if s.APIs == nil || !slices.Contains(c.AllowedResources, res) {
			return nil, errInvalidTarget("resource %q is not allowed for this client", res)
		}
		a, err := s.APIs.GetAPIByIdentifier(ctx, res)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && tenantOf(a.TenantID) != tenantOf(c.TenantID)) {
			return nil, errInvalidTarget("resource %q is not allowed for this client", res)
		}
		if err != nil {
			return nil, toOIDCError(ctx, err, "cannot read the resource")
		}
		apis = append(apis, a)
	}
	return apis, nil
}

// authorizeResources checks the resources of an authorization request; they
// are what the grant covers.
func (s *Storage) authorizeResources(ctx context.Context, c storage.Client) ([]string, error) {
	apis, err := s.lookupAPIs(ctx, c, requestedResources(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]string, len(apis))
	for i, a := range apis {
		out[i] = a.Identifier
	}
	return out, nil
}

// grantTarget decides the access token of a code or refresh grant that
// covers granted resources. The token request's resources must be among
// them (RFC 8707 section 2.2); without any, the token is for every granted
// resource, or for the client itself when the grant names none.
func (s *Storage) grantTarget(ctx context.Context, c storage.Client, granted, scopes []string) (target, error) {
	requested := requestedResources(ctx)
	for _, res := range requested {
		if !slices.Contains(granted, res) {
			return target{}, errInvalidTarget("resource %q was not granted", res)
		}
	}
	if len(requested) == 0 {
		requested = granted
	}
	t, err := s.targetOf(ctx, c, requested, scopes)
	t.resources = granted
	return t, err
}

// machineTarget decides the access token of a client_credentials or
// exchange request: the request's resources must be allowed for the client.
func (s *Storage) machineTarget(ctx context.Context, c storage.Client, scopes []string) (target, error) {
	return s.targetOf(ctx, c, requestedResources(ctx), scopes)
}

// targetOf builds the token target for resources (checked again: an API
// may have been removed, or the client's allowlist changed, since the
// grant).
func (s *Storage) targetOf(ctx context.Context, c storage.Client, resources, scopes []string) (target, error) {
	t := target{
		audience: []string{c.ID}, scopes: scopes, alg: c.AccessTokenSignedResponseAlg,
		lifetime: orDefault(c.AccessTokenLifetime, DefaultAccessTokenLifetime),
	}
	if len(resources) == 0 {
		return t, nil
	}
	apis, err := s.lookupAPIs(ctx, c, resources)
	if err != nil {
		return target{}, err
	}
	t.audience, t.scopes, t.opaque = nil, nil, true
	var apiScopes []string
	var apiLifetime time.Duration // the shortest lifetime the APIs set
	for _, a := range apis {
		t.audience = append(t.audience, a.Identifier)
		apiScopes = append(apiScopes, a.Scopes...)
		if a.AccessTokenLifetime > 0 && (apiLifetime == 0 || a.AccessTokenLifetime < apiLifetime) {
			apiLifetime = a.AccessTokenLifetime
		}
		t.opaque = t.opaque && a.Opaque
	}
	if apiLifetime > 0 {
		t.lifetime = apiLifetime
	}
	// One API names the algorithm; APIs that disagree get the client's.
	if len(apis) == 1 && apis[0].SigningAlg != "" {
		t.alg = apis[0].SigningAlg
	}
	// RFC 8707 section 2: the token's scopes are narrowed to what the
	// resources understand.
	for _, sc := range scopes {
		if slices.Contains(apiScopes, sc) {
			t.scopes = append(t.scopes, sc)
		}
	}
	if len(t.scopes) == 0 {
		return target{}, oidc.ErrInvalidScope().WithDescription("none of the granted scopes is a scope of the requested resource")
	}
	return t, nil
}

// introspectableBy: a token for registered APIs is introspected by those
// APIs only (RFC 7662 section 4: the server decides which protected
// resources may learn about a token). An API authenticates at the
// introspection endpoint as its IntrospectionClientID, a confidential
// client of its tenant. Tokens for the client itself keep the tenant rule.
func (s *Storage) introspectableBy(ctx context.Context, c accessClaims, caller storage.Client) error {
	if s.APIs == nil {
		return nil
	}
	forAPI := false
	for _, aud := range c.Audience {
		if aud == c.ClientID {
			continue
		}
		a, err := s.APIs.GetAPIByIdentifier(ctx, aud)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return toOIDCError(ctx, err, "cannot read the resource")
		}
		forAPI = true
		if a.IntrospectionClientID != "" && a.IntrospectionClientID == caller.ID && tenantOf(a.TenantID) == tenantOf(caller.TenantID) {
			return nil
		}
	}
	if forAPI {
		return oidc.ErrInvalidRequest().WithDescription("the token is for an API the caller does not introspect for")
	}
	return nil
}
