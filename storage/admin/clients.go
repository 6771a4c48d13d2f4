package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/admit-idp/admit/storage"
)

// ClientSpec is what an operator registers (`admit clients add`, the admin
// API).
type ClientSpec struct {
	ID, Name                     string
	RedirectURIs, PostLogoutURIs []string
	Grants, Scopes               []string
	Public, FirstParty           bool
	// RequireMFA: every login to the client uses a second factor.
	RequireMFA                   bool
	AuthMethod                   string
	JWKS                         []byte
	AccessTTL, IDTTL, RefreshTTL time.Duration

	// Resource indicators and signing algorithms (storage.Client).
	AllowedResources []string
	// IDTokenAlg is id_token_signed_response_alg, AccessTokenAlg the
	// access-token algorithm: "" (default), RS256, ES256 or EdDSA.
	IDTokenAlg, AccessTokenAlg string
	// DPoPBoundAccessTokens: every token request needs a DPoP proof (RFC
	// 9449 §5.2); RequirePAR: authorization requests only by PAR (RFC 9126
	// §6).
	DPoPBoundAccessTokens, RequirePAR bool
	// Logout notification (issue 19): Back-Channel Logout 1.0 §2.2 and
	// Front-Channel Logout 1.0 §2 registration.
	BackchannelLogoutURI, FrontchannelLogoutURI                   string
	BackchannelLogoutSessionRequired, FrontchannelSessionRequired bool
	// LogoURI, PolicyURI, TOSURI: client metadata (OpenID Connect Dynamic
	// Client Registration 1.0 §2), https or empty; the consent page links
	// the policy and the terms.
	LogoURI, PolicyURI, TOSURI string
}

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{3,64}$`)

// KnownGrants are the grant types a client may register.
var KnownGrants = []string{"authorization_code", "refresh_token", "client_credentials", GrantDeviceCode, GrantTokenExchange}

// GrantTokenExchange is RFC 8693's grant type: the client's switch for
// native social sign-in and delegation through token exchange.
const GrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"

// GrantDeviceCode is RFC 8628's grant type: registering it is the client's
// switch for the device authorization grant (off by default).
const GrantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"

// Validate reports every problem of the spec at once (a *ValidationError).
func (s ClientSpec) Validate() error {
	var errs problems
	if !clientIDPattern.MatchString(s.ID) {
		errs.add("id", "client id %q: 3-64 characters of A-Z a-z 0-9 . _ -", s.ID)
	}
	if len(s.Name) > 200 {
		errs.add("name", "name: at most 200 characters")
	}
	for i, g := range s.Grants {
		if !slices.Contains(KnownGrants, g) {
			errs.add(fmt.Sprintf("grant_types[%d]", i), "grant %q: want one of %v", g, KnownGrants)
		}
	}
	if slices.Contains(s.Grants, "authorization_code") && len(s.RedirectURIs) == 0 {
		errs.add("redirect_uris", "authorization_code needs at least one redirect URI")
	}
	for i, u := range s.RedirectURIs {
		if msg := redirectURIProblem(u, s.Public); msg != "" {
			errs.add(fmt.Sprintf("redirect_uris[%d]", i), "%s", msg)
		}
	}
	for i, u := range s.PostLogoutURIs {
		if msg := redirectURIProblem(u, s.Public); msg != "" {
			errs.add(fmt.Sprintf("post_logout_redirect_uris[%d]", i), "%s", msg)
		}
	}
	if field, msg := s.authProblem(); msg != "" {
		errs.add(field, "%s", msg)
	}
	for field, d := range map[string]time.Duration{"access_token_ttl": s.AccessTTL, "id_token_ttl": s.IDTTL} {
		if d < 0 || d > 24*time.Hour {
			errs.add(field, "token lifetime %s: between 0 (default) and 24h", d)
		}
	}
	for field, v := range map[string]string{"logo_uri": s.LogoURI, "policy_uri": s.PolicyURI, "tos_uri": s.TOSURI} {
		if v != "" && !httpsURL(v) {
			errs.add(field, "%s %q: want an absolute https URL", field, v)
		}
	}
	if s.RefreshTTL < 0 {
		errs.add("refresh_token_ttl", "token lifetime %s: 0 (default) or more", s.RefreshTTL)
	}
	// OpenID Connect Dynamic Client Registration section 2; "none" is
	// never accepted (unsigned ID tokens).
	for field, alg := range map[string]string{"id_token_signed_response_alg": s.IDTokenAlg, "access_token_signed_response_alg": s.AccessTokenAlg} {
		if alg != "" && !slices.Contains(SupportedSigningAlgs, alg) {
			errs.add(field, "%s %q: want one of %s", field, alg, strings.Join(SupportedSigningAlgs, ", "))
		}
	}
	if len(s.AllowedResources) > 100 {
		errs.add("allowed_resources", "at most 100 allowed resources")
	}
	// Both logout URIs are absolute, without a fragment (Back-Channel
	// Logout 1.0 §2.2, Front-Channel Logout 1.0 §2); like redirect URIs
	// they use https, plain http only on loopback.
	for field, u := range map[string]string{"backchannel_logout_uri": s.BackchannelLogoutURI, "frontchannel_logout_uri": s.FrontchannelLogoutURI} {
		if u == "" {
			continue
		}
		if err := storage.CheckRedirectURI(u, false); err != nil {
			errs.add(field, "logout URI %q: %v", u, err)
		}
	}
	// Front-Channel Logout 1.0 §2: "The domain, port, and scheme of this
	// URL MUST be the same as that of a registered Redirection URI value."
	// The page that frames it is the OP's, so an origin the client does not
	// own would get the user's iss and sid.
	if u := s.FrontchannelLogoutURI; u != "" && !sharesOriginWithOneOf(u, s.RedirectURIs) {
		errs.add("frontchannel_logout_uri", "logout URI %q: its scheme, host and port must be those of a redirect URI (Front-Channel Logout 1.0 §2)", u)
	}
	return errs.err()
}

// sharesOriginWithOneOf reports whether u has the scheme, host and port
// (an absent port meaning the scheme's default) of one of uris.
func sharesOriginWithOneOf(u string, uris []string) bool {
	origin := func(raw string) (string, bool) {
		p, err := url.Parse(raw)
		if err != nil || p.Host == "" {
			return "", false
		}
		port := p.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(p.Scheme)]
		}
		return strings.ToLower(p.Scheme) + "://" + strings.ToLower(p.Hostname()) + ":" + port, true
	}
	want, ok := origin(u)
	if !ok {
		return false
	}
	for _, r := range uris {
		if got, ok := origin(r); ok && got == want {
			return true
		}
	}
	return false
}

func (s ClientSpec) authProblem() (field, msg string) {
	switch {
	case s.Public && slices.Contains(s.Grants, "client_credentials"):
		return "public", "a public client cannot use client_credentials"
	case s.AuthMethod == storage.AuthMethodPrivateKeyJWT && len(s.JWKS) == 0:
		return "jwks", "private_key_jwt needs the client's public keys (--jwks-file)"
	case len(s.JWKS) > 0:
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(s.JWKS, &set); err != nil || len(set.Keys) == 0 {
			return "jwks", "jwks: not a JSON Web Key Set with at least one key"
		}
	case !s.Public && !slices.Contains([]string{"", storage.AuthMethodBasic, storage.AuthMethodPost, storage.AuthMethodPrivateKeyJWT}, s.AuthMethod):
		return "token_endpoint_auth_method", fmt.Sprintf("auth method %q: want client_secret_basic, client_secret_post or private_key_jwt", s.AuthMethod)
	}
	return "", ""
}

// redirectURIProblem applies storage.CheckRedirectURI, the one set of redirect
// URI rules (RFC 6749 3.1.2, RFC 8252 7.1 and 7.3).
func redirectURIProblem(raw string, public bool) string {
	if err := storage.CheckRedirectURI(raw, public); err != nil {
		return fmt.Sprintf("redirect URI %q: %v", raw, err)
	}
	return ""
}

// Client builds the stored client of tenantID.
func (s ClientSpec) Client(tenantID string, now time.Time) storage.Client {
	method := s.AuthMethod
	if s.Public {
		method = storage.AuthMethodNone
	} else if method == "" {
		method = storage.AuthMethodBasic
	}
	return storage.Client{
		ID: s.ID, TenantID: tenantID, Name: s.Name, Public: s.Public, AuthMethod: method, RedirectURIs: s.RedirectURIs,
		PostLogoutRedirectURIs: s.PostLogoutURIs, GrantTypes: s.Grants, Scopes: s.Scopes, FirstParty: s.FirstParty, RequireMFA: s.RequireMFA,
		JWKS: s.JWKS, AccessTokenLifetime: s.AccessTTL, IDTokenLifetime: s.IDTTL, RefreshTokenLifetime: s.RefreshTTL,
		CreatedAt:        now.Truncate(time.Microsecond),
		AllowedResources: s.AllowedResources, IDTokenSignedResponseAlg: s.IDTokenAlg, AccessTokenSignedResponseAlg: s.AccessTokenAlg,
		DPoPBoundAccessTokens: s.DPoPBoundAccessTokens, RequirePushedAuthorizationRequests: s.RequirePAR,
		BackchannelLogoutURI: s.BackchannelLogoutURI, BackchannelLogoutSessionRequired: s.BackchannelLogoutSessionRequired,
		FrontchannelLogoutURI: s.FrontchannelLogoutURI, FrontchannelLogoutSessionRequired: s.FrontchannelSessionRequired,
		LogoURI: s.LogoURI, PolicyURI: s.PolicyURI, TOSURI: s.TOSURI,
	}
}

// SpecOf is the spec of a stored client (for updates).
func SpecOf(c storage.Client) ClientSpec {
	return ClientSpec{
		ID: c.ID, Name: c.Name, RedirectURIs: c.RedirectURIs, PostLogoutURIs: c.PostLogoutRedirectURIs, Grants: c.GrantTypes,
		Scopes: c.Scopes, Public: c.Public, FirstParty: c.FirstParty, RequireMFA: c.RequireMFA, AuthMethod: c.AuthMethod,
		JWKS: c.JWKS, AccessTTL: c.AccessTokenLifetime, IDTTL: c.IDTokenLifetime, RefreshTTL: c.RefreshTokenLifetime,
		AllowedResources: c.AllowedResources, IDTokenAlg: c.IDTokenSignedResponseAlg, AccessTokenAlg: c.AccessTokenSignedResponseAlg,
		DPoPBoundAccessTokens: c.DPoPBoundAccessTokens, RequirePAR: c.RequirePushedAuthorizationRequests,
		BackchannelLogoutURI: c.BackchannelLogoutURI, BackchannelLogoutSessionRequired: c.BackchannelLogoutSessionRequired,
		FrontchannelLogoutURI: c.FrontchannelLogoutURI, FrontchannelSessionRequired: c.FrontchannelLogoutSessionRequired,
		LogoURI: c.LogoURI, PolicyURI: c.PolicyURI, TOSURI: c.TOSURI,
	}
}

// usesSecret reports whether the client authenticates with a secret.
func usesSecret(c storage.Client) bool {
	return !c.Public && c.AuthMethod != storage.AuthMethodPrivateKeyJWT
}

// NewSecret makes a client secret (256 bits).
func NewSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("client secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// CreateClient validates and stores a client of the tenant. For a client
// that authenticates with a secret it returns the generated secret: shown
// once, stored only as a hash.
func (s *Service) CreateClient(ctx context.Context, p Principal, tenantID string, spec ClientSpec) (storage.Client, string, error) {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return storage.Client{}, "", err
	}
	if err := spec.Validate(); err != nil {
		return storage.Client{}, "", err
	}
	if err := s.checkClientTargets(ctx, tenantID, spec); err != nil {
		return storage.Client{}, "", err
	}
	c := spec.Client(tenantID, s.now())
	var secret string
	if usesSecret(c) {
		var err error
		if secret, err = NewSecret(); err != nil {
			return storage.Client{}, "", err
		}
		c.SecretHash = hashSecret(secret)
	}
	if err := s.Store.CreateClient(ctx, c); err != nil {
		return storage.Client{}, "", mapErr(err, "client "+c.ID)
	}
	s.record(ctx, p, tenantID, "admin.client.created", storage.AuditEvent{ClientID: c.ID, Details: map[string]string{"name": c.Name}})
	return c, secret, nil
}

// ListClients lists the tenant's clients.
func (s *Service) ListClients(ctx context.Context, p Principal, f storage.ClientFilter, pg Page) (List[storage.Client], error) {
	if err := s.inTenant(ctx, p, f.TenantID); err != nil {
		return List[storage.Client]{}, err
	}
	req, err := pg.request()
	if err != nil {
		return List[storage.Client]{}, err
	}
	page, err := s.Store.ListTenantClients(ctx, f, req)
	return listOf(page), err
}

// GetClient returns a client of the tenant (ErrNotFound for another
// tenant's).
func (s *Service) GetClient(ctx context.Context, p Principal, tenantID, clientID string) (storage.Client, error) {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return storage.Client{}, err
	}
	c, err := s.Store.GetTenantClient(ctx, tenantID, clientID)
	return c, mapErr(err, "client "+clientID)
}

// UpdateClient applies change to the client's spec, validates the result
// and stores it. The ID cannot change; a client cannot switch between
// public and confidential (register a new one).
func (s *Service) UpdateClient(ctx context.Context, p Principal, tenantID, clientID string, change func(*ClientSpec)) (storage.Client, error) {
	c, err := s.GetClient(ctx, p, tenantID, clientID)
	if err != nil {
		return storage.Client{}, err
	}
	spec := SpecOf(c)
	change(&spec)
	if spec.ID != c.ID {
		return storage.Client{}, invalid("id", "the client id cannot change")
	}
	if spec.Public != c.Public {
		return storage.Client{}, invalid("public", "a client cannot switch between public and confidential")
	}
	if err := spec.Validate(); err != nil {
		return storage.Client{}, err
	}
	if err := s.checkClientTargets(ctx, tenantID, spec); err != nil {
		return storage.Client{}, err
	}
	next := spec.Client(tenantID, c.CreatedAt)
	if usesSecret(next) != usesSecret(c) {
		return storage.Client{}, invalid("token_endpoint_auth_method", "switching between secret and private_key_jwt authentication needs a new client")
	}
	next.SecretHash, next.CreatedAt = c.SecretHash, c.CreatedAt
	if err := s.Store.UpdateClient(ctx, next); err != nil {
		return storage.Client{}, mapErr(err, "client "+clientID)
	}
	details := map[string]string{"changed": strings.Join(changedFields(SpecOf(c), spec), ",")}
	if !slices.Equal(c.Scopes, next.Scopes) { // scopes decide who may reach the admin API
		details["scopes"] = strings.Join(next.Scopes, " ")
	}
	s.record(ctx, p, tenantID, "admin.client.updated", storage.AuditEvent{ClientID: clientID, Details: details})
	return s.Store.GetTenantClient(ctx, tenantID, clientID)
}

// RotateClientSecret replaces the secret of a client that authenticates
// with one and returns the new secret (shown once).
func (s *Service) RotateClientSecret(ctx context.Context, p Principal, tenantID, clientID string) (string, error) {
	c, err := s.GetClient(ctx, p, tenantID, clientID)
	if err != nil {
		return "", err
	}
	if !usesSecret(c) {
		return "", fmt.Errorf("client %s does not authenticate with a secret: %w", clientID, ErrConflict)
	}
	secret, err := NewSecret()
	if err != nil {
		return "", err
	}
	if err := s.Store.SetClientSecretHash(ctx, tenantID, clientID, hashSecret(secret)); err != nil {
		return "", mapErr(err, "client "+clientID)
	}
	s.record(ctx, p, tenantID, "admin.client.secret_rotated", storage.AuditEvent{ClientID: clientID})
	return secret, nil
}

// DeleteClient removes a client of the tenant.
func (s *Service) DeleteClient(ctx context.Context, p Principal, tenantID, clientID string) error {
	if err := s.inTenant(ctx, p, tenantID); err != nil {
		return err
	}
	if err := s.Store.DeleteTenantClient(ctx, tenantID, clientID); err != nil {
		return mapErr(err, "client "+clientID)
	}
	s.record(ctx, p, tenantID, "admin.client.deleted", storage.AuditEvent{ClientID: clientID})
	return nil
}

// hashSecret is the stored form of a client secret: the hex SHA-256
// (storage.Client.SecretHash; op.HashSecret).
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// changedFields names the spec fields that differ, for the audit log.
func changedFields(before, after ClientSpec) []string {
	b, a := reflect.ValueOf(before), reflect.ValueOf(after)
	var out []string
	for i := range b.NumField() {
		if !reflect.DeepEqual(b.Field(i).Interface(), a.Field(i).Interface()) {
			out = append(out, b.Type().Field(i).Name)
		}
	}
	return out
}
