package admin

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/admit-idp/admit/storage"
)

// APISpec is what an operator registers for a protected resource (`admit
// apis add`, the admin API): see storage.API.
type APISpec struct {
	ID, Identifier, Name string
	Scopes               []string
	AccessTTL            time.Duration
	// SigningAlg signs the API's JWT access tokens: "" (the client's or
	// the instance default), RS256, ES256 or EdDSA.
	SigningAlg string
	Opaque     bool
	// IntrospectionClientID is the confidential client of the tenant the
	// API authenticates as at the introspection endpoint.
	IntrospectionClientID string
}

var (
	apiIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{2,64}$`)
	// scopePattern is a scope-token (RFC 6749 section 3.3: NQCHAR, no
	// space), bounded.
	scopePattern = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]{1,128}$`)
)

// SupportedSigningAlgs are the algorithms Admit can sign with (package keys).
var SupportedSigningAlgs = []string{"RS256", "ES256", "EdDSA"}

// userScopes are OpenID scopes about the user: never an API's scope.
var userScopes = []string{"openid", "profile", "email", "address", "phone", "offline_access"}

// Validate reports every problem of the spec at once (a *ValidationError).
func (s APISpec) Validate() error {
	var errs problems
	if !apiIDPattern.MatchString(s.ID) {
		errs.add("id", "api id %q: 2-64 characters of A-Z a-z 0-9 . _ -", s.ID)
	}
	if !storage.ValidResourceURI(s.Identifier) {
		errs.add("identifier", "identifier %q: an absolute URI without a fragment (RFC 8707 section 2), e.g. https://tickets.example/api", s.Identifier)
	}
	if len(s.Name) > 200 {
		errs.add("name", "name: at most 200 characters")
	}
	if len(s.Scopes) == 0 {
		errs.add("scopes", "an API needs at least one scope: tokens for it carry only its scopes")
	}
	for i, sc := range s.Scopes {
		switch {
		case !scopePattern.MatchString(sc):
			errs.add(fmt.Sprintf("scopes[%d]", i), "scope %q: 1-128 printable characters, no space, quote or backslash (RFC 6749 section 3.3)", sc)
		case slices.Contains(userScopes, sc):
			errs.add(fmt.Sprintf("scopes[%d]", i), "scope %q is about the user, not an API", sc)
		}
	}
	if s.AccessTTL < 0 || s.AccessTTL > 24*time.Hour {
		errs.add("access_token_ttl", "token lifetime %s: between 0 (the client's) and 24h", s.AccessTTL)
	}
	if s.SigningAlg != "" && !slices.Contains(SupportedSigningAlgs, s.SigningAlg) {
		errs.add("access_token_signing_alg", "access_token_signing_alg %q: want one of %s", s.SigningAlg, strings.Join(SupportedSigningAlgs, ", "))
	}
	if s.Opaque && s.IntrospectionClientID == "" {
		errs.add("introspection_client_id", "an opaque API must name the client it introspects as: it cannot read its tokens otherwise")
	}
	return errs.err()
}

// API builds the stored API of tenantID.
func (s APISpec) API(tenantID string, now time.Time) storage.API {
	return storage.API{
		ID: s.ID, TenantID: tenantID, Identifier: s.Identifier, Name: s.Name, Scopes: s.Scopes,
		AccessTokenLifetime: s.AccessTTL, SigningAlg: s.SigningAlg, Opaque: s.Opaque,
		IntrospectionClientID: s.IntrospectionClientID, CreatedAt: now.Truncate(time.Microsecond),
	}
}

// APISpecOf is the spec of a stored API (for updates).
func APISpecOf(a storage.API) APISpec {
	return APISpec{
		ID: a.ID, Identifier: a.Identifier, Name: a.Name, Scopes: a.Scopes, AccessTTL: a.AccessTokenLifetime,
		SigningAlg: a.SigningAlg, Opaque: a.Opaque, IntrospectionClientID: a.IntrospectionClientID,
	}
}

// checkSigningAlg: alg must be one this instance keeps a key of
// (Service.SigningAlgs), so that tokens asking for it can be signed.
func (s *Service) checkSigningAlg(field, alg string) error {
	if alg == "" {
		return nil
	}
	available := s.SigningAlgs
	if len(available) == 0 {
		available = SupportedSigningAlgs
	}
	if !slices.Contains(available, alg) {
		return invalid(field, "%s %q: want one of %s (the algorithms this instance signs with; see signing_algs)", field, alg, strings.Join(available, ", "))
	}
	return nil
}

// checkAPIRefs: the introspection client is a confidential client of the
// tenant.
func (s *Service) checkAPIRefs(ctx context.Context, tenantID string, spec APISpec) error {
	if err := s.checkSigningAlg("access_token_signing_alg", spec.SigningAlg); err != nil {
		return err
	}
	if spec.IntrospectionClientID == "" {
		return nil
	}
	c, err := s.Store.GetTenantClient(ctx, tenantID, spec.IntrospectionClientID)
	if err != nil {
		if isNotFound(err) {
			return invalid("introspection_client_id", "introspection client %q: no such client in the tenant", spec.IntrospectionClientID)
		}
		return err
	}
	if c.Public {
		return invalid("introspection_client_id", "introspection client %q is public: an API must authenticate to introspect (RFC 7662 section 2.1)", c.ID)
	}
	return nil
}

// CreateAPI validates and registers an API of the tenant.
func (s *Service) CreateAPI(ctx context.Context, p Principal, tenantID string, spec APISpec) (storage.API, error) {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return storage.API{}, err
	}
	if err := spec.Validate(); err != nil {
		return storage.API{}, err
	}
	if err := s.checkAPIRefs(ctx, tenantID, spec); err != nil {
		return storage.API{}, err
	}
	a := spec.API(tenantID, s.now())
	if err := s.Store.CreateAPI(ctx, a); err != nil {
		return storage.API{}, mapErr(err, "api "+a.ID+" (or its identifier)")
	}
	s.record(ctx, p, tenantID, "admin.api.created", storage.AuditEvent{Details: map[string]string{"api": a.ID, "identifier": a.Identifier}})
	return a, nil
}

// GetAPI returns an API of the tenant (ErrNotFound for another tenant's).
func (s *Service) GetAPI(ctx context.Context, p Principal, tenantID, id string) (storage.API, error) {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return storage.API{}, err
	}
	a, err := s.Store.GetAPI(ctx, id)
	if err == nil && a.TenantID != tenantID {
		err = storage.ErrNotFound
	}
	return a, mapErr(err, "api "+id)
}

// ListAPIs lists the tenant's APIs ordered by ID.
func (s *Service) ListAPIs(ctx context.Context, p Principal, tenantID string) ([]storage.API, error) {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return nil, err
	}
	return s.Store.ListAPIs(ctx, tenantID)
}

// UpdateAPI applies change to the API's spec, validates and stores it. The
// ID cannot change. A new identifier carries over to the clients that
// allowed the old one (storage.APIs.UpdateAPI).
func (s *Service) UpdateAPI(ctx context.Context, p Principal, tenantID, id string, change func(*APISpec)) (storage.API, error) {
	a, err := s.GetAPI(ctx, p, tenantID, id)
	if err != nil {
		return storage.API{}, err
	}
	spec := APISpecOf(a)
	change(&spec)
	if spec.ID != a.ID {
		return storage.API{}, invalid("id", "the api id cannot change")
	}
	if err := spec.Validate(); err != nil {
		return storage.API{}, err
	}
	if err := s.checkAPIRefs(ctx, tenantID, spec); err != nil {
		return storage.API{}, err
	}
	next := spec.API(tenantID, a.CreatedAt)
	next.CreatedAt = a.CreatedAt
	clients, err := s.Store.UpdateAPI(ctx, next)
	if err != nil {
		return storage.API{}, mapErr(err, "api "+id+" (or its identifier)")
	}
	details := map[string]string{"api": id, "identifier": next.Identifier}
	if len(clients) > 0 { // a new identifier, followed by these clients' allowlists
		details["renamed_in_clients"] = strings.Join(clients, " ")
	}
	s.record(ctx, p, tenantID, "admin.api.updated", storage.AuditEvent{Details: details})
	return next, nil
}

// DeleteAPI removes an API of the tenant, and its identifier from the
// allowed resources of every client (storage.APIs.DeleteAPI), whose IDs
// it returns. Tokens already issued for it stay valid until they expire;
// no new ones are issued.
func (s *Service) DeleteAPI(ctx context.Context, p Principal, tenantID, id string) ([]string, error) {
	if _, err := s.GetAPI(ctx, p, tenantID, id); err != nil {
		return nil, err
	}
	clients, err := s.Store.DeleteAPI(ctx, id)
	if err != nil {
		return nil, mapErr(err, "api "+id)
	}
	s.record(ctx, p, tenantID, "admin.api.deleted", storage.AuditEvent{Details: map[string]string{
		"api": id, "removed_from_clients": strings.Join(clients, " ")}})
	return clients, nil
}

// checkClientTargets: a client's signing algorithms are available, and each
// allowed resource is an API of the client's tenant or (a delegation
// audience, RFC 8693) a client of it.
func (s *Service) checkClientTargets(ctx context.Context, tenantID string, spec ClientSpec) error {
	if err := s.checkSigningAlg("id_token_signed_response_alg", spec.IDTokenAlg); err != nil {
		return err
	}
	if err := s.checkSigningAlg("access_token_signed_response_alg", spec.AccessTokenAlg); err != nil {
		return err
	}
	var errs problems
	for i, res := range spec.AllowedResources {
		field := fmt.Sprintf("allowed_resources[%d]", i)
		if storage.ValidResourceURI(res) {
			a, err := s.Store.GetAPIByIdentifier(ctx, res)
			switch {
			case err == nil && a.TenantID == tenantID:
			case err == nil || isNotFound(err):
				errs.add(field, "resource %q: no API of the tenant has this identifier", res)
			default:
				return err
			}
			continue
		}
		_, err := s.Store.GetTenantClient(ctx, tenantID, res)
		switch {
		case err == nil:
		case isNotFound(err):
			errs.add(field, "resource %q: neither an API identifier (an absolute URI) nor a client of the tenant", res)
		default:
			return err
		}
	}
	return errs.err()
}

func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
