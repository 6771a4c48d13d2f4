package op

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// AccessTokenType is the JWS "typ" of access tokens (RFC 9068 2.1).
const AccessTokenType = "at+jwt"

// accessClaims are the claims of an RFC 9068 access token.
type accessClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience []string `json:"aud"`
	Expiry   int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	ID       string   `json:"jti"`
	ClientID string   `json:"client_id"`
	Scope    string   `json:"scope,omitempty"`
	AuthTime int64    `json:"auth_time,omitempty"`
	ACR      string   `json:"acr,omitempty"`
	AMR      []string `json:"amr,omitempty"`
	// GrantID ties the token to its grant (authorization, refresh family or
	// client_credentials issue) so that revoking the grant revokes it.
	GrantID string `json:"gid"`
	SID     string `json:"sid,omitempty"`
	// TenantID is the tenant of the user (or of the client, for
	// client_credentials tokens).
	TenantID string `json:"tenant_id,omitempty"`
	// Roles are the user's global roles (defaults included) and
	// Permissions the union of their permissions.
	Roles       []string `json:"roles,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
	// VenueRoles maps venue ID → roles, only with the venues scope and up
	// to Storage.MaxTokenVenues venues. Past the limit the token carries
	// ClaimNames/ClaimSources instead (OIDC Core 5.6.2 distributed claims)
	// pointing at the userinfo endpoint, which answers every venue.
	VenueRoles   map[string][]string    `json:"venue_roles,omitempty"`
	ClaimNames   map[string]string      `json:"_claim_names,omitempty"`
	ClaimSources map[string]claimSource `json:"_claim_sources,omitempty"`
	legacyClaims
	// Act names the acting party of a delegated token (RFC 8693 4.1).
	Act map[string]any `json:"act,omitempty"`
	// Cnf binds the token to a DPoP key (RFC 9449 §6.1; see dpop.go).
	Cnf *confirmation `json:"cnf,omitempty"`
}

// tokenSubject is what an access token is about, whatever the grant.
type tokenSubject struct {
	grant    string
	grantID  string
	subject  string
	clientID string
	audience []string
	scopes   []string
	authTime time.Time
	acr      string
	amr      []string
	sid      string
	lifetime time.Duration
	// notAfter, when set, caps the expiry (a delegated token ends when
	// its subject token does).
	notAfter time.Time
	// tenantID is the user's tenant, or the client's for client_credentials.
	tenantID string
	// user is set when the token is issued to a user (role claims).
	user bool
	// act is the RFC 8693 actor chain of a delegated token.
	act map[string]any
	// alg signs the token ("" is the default); opaque makes it an opaque
	// token (opaque.go).
	alg    string
	opaque bool
	// grantScopes and resources are what a refresh token issued with the
	// access token keeps: all the grant's scopes (scopes may be narrowed to
	// a resource's) and the granted resources (RFC 8707).
	grantScopes []string
	resources   []string
	// jkt is the DPoP key the token is bound to (dpop.go); "" for bearer.
	jkt string
}

// withTarget applies the access-token target t to the subject.
func (t tokenSubject) withTarget(tg target) tokenSubject {
	if t.grantScopes == nil {
		t.grantScopes = t.scopes
	}
	t.audience, t.scopes, t.lifetime, t.alg, t.opaque, t.resources = tg.audience, tg.scopes, tg.lifetime, tg.alg, tg.opaque, tg.resources
	return t
}

// CreateAccessToken mints the access token for requests without a refresh
// token. The returned "ID" is the signed JWT itself: op hands it to Encrypt,
// which returns it unchanged (see Encrypt).
func (s *Storage) CreateAccessToken(ctx context.Context, req zop.TokenRequest) (string, time.Time, error) {
	sub, err := s.tokenSubject(ctx, req)
	if err != nil {
		return "", time.Time{}, err
	}
	return s.mintAccessToken(ctx, sub)
}

func (s *Storage) tokenSubject(ctx context.Context, req zop.TokenRequest) (tokenSubject, error) {
	sub, err := s.grantSubject(ctx, req)
	if err != nil {
		return tokenSubject{}, err
	}
	return s.bindDPoP(ctx, sub)
}

func (s *Storage) grantSubject(ctx context.Context, req zop.TokenRequest) (tokenSubject, error) {
	switch r := req.(type) {
	case authRequest:
		return s.authRequestSubject(ctx, r)
	case *clientCredentialsRequest:
		return r.tokenSubject(), nil
	case *refreshRequest:
		return s.refreshSubject(ctx, r)
	case *zop.DeviceAuthorizationState:
		// The device grant has no place to carry a resource from its
		// authorization to its token: refused rather than ignored.
		if len(requestedResources(ctx)) > 0 {
			return tokenSubject{}, errInvalidTarget("the device grant does not take a resource")
		}
		return s.deviceSubject(ctx, r)
	case zop.TokenExchangeRequest:
		return s.exchangeSubject(ctx)
	}
	return tokenSubject{}, oidc.ErrUnsupportedGrantType()
}

func (s *Storage) authRequestSubject(ctx context.Context, r authRequest) (tokenSubject, error) {
	u, c, err := s.grantParties(ctx, r.UserID, r.ClientID)
	if err != nil {
		return tokenSubject{}, err
	}
	tg, err := s.grantTarget(ctx, c, r.Resources, r.Scopes)
	if err != nil {
		return tokenSubject{}, err
	}
	if err := s.spendCode(ctx, r); err != nil {
		return tokenSubject{}, err
	}
	return tokenSubject{
		grant: "authorization_code", grantID: r.grantID(), subject: r.UserID, clientID: r.ClientID,
		scopes: r.Scopes, authTime: r.AuthTime, acr: r.ACR, amr: r.AMR,
		sid: r.SessionID, tenantID: tenantOf(u.TenantID), user: true,
	}.withTarget(tg), nil
}

func (s *Storage) mintAccessToken(ctx context.Context, t tokenSubject) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(t.lifetime)
	if !t.notAfter.IsZero() && t.notAfter.Before(exp) {
		exp = t.notAfter
	}
	jti, err := randomID()
	if err != nil {
		return "", time.Time{}, err
	}
	claims := accessClaims{
		Issuer: zop.IssuerFromContext(ctx), Subject: t.subject, Audience: t.audience,
		Expiry: exp.Unix(), IssuedAt: now.Unix(), ID: jti, ClientID: t.clientID,
		Scope: strings.Join(t.scopes, " "), ACR: t.acr, AMR: t.amr, GrantID: t.grantID, SID: t.sid,
		TenantID: t.tenantID, Act: t.act,
	}
	if !t.authTime.IsZero() {
		claims.AuthTime = t.authTime.Unix()
	}
	if t.jkt != "" {
		claims.Cnf = &confirmation{JKT: t.jkt}
	}
	if t.user {
		rc, err := s.userRoleClaims(ctx, t, now)
		if err != nil {
			return "", time.Time{}, err
		}
		claims.Roles, claims.Permissions, claims.VenueRoles = rc.Roles, rc.Permissions, rc.VenueRoles
		claims.ClaimNames, claims.ClaimSources = rc.ClaimNames, rc.ClaimSources
		// A role must not outlive its grant in a token resource servers
		// check offline: the token ends when the first grant behind it
		// does (the client refreshes and gets the roles then in force).
		if !rc.Until.IsZero() && rc.Until.Before(exp) {
			exp = rc.Until
			claims.Expiry = exp.Unix()
		}
		if slices.Contains(s.LegacyClaimsClients, t.clientID) {
			claims.legacyClaims = oldServiceClaims(rc)
		}
	}
	jwt, err := s.signAccessToken(ctx, claims, t.alg)
	if err != nil {
		return "", time.Time{}, err
	}
	if t.opaque {
		if jwt, err = s.sealOpaque(jwt); err != nil {
			return "", time.Time{}, err
		}
	}
	if t.jkt != "" {
		markBound(ctx)
	}
	noteIssued(ctx, t.scopes)
	if s.TokenIssued != nil {
		s.TokenIssued(t.grant)
	}
	return jwt, exp, nil
}

// signAccessToken signs the claims with the active key of alg ("" is the
// default), as an RFC 9068 JWT (typ at+jwt, 2.1).
func (s *Storage) signAccessToken(ctx context.Context, claims accessClaims, alg string) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("op: encode access token: %w", err)
	}
	key, err := s.Keys.SigningKeyFor(ctx, jose.SignatureAlgorithm(alg))
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err).WithDescription("no signing key")
	}
	return key.Sign(payload, AccessTokenType)
}

// Encrypt is op's hook for opaque tokens, used in two places: authorization
// codes (input: the request ID) and access tokens (input: "<id>:<subject>",
// where our id is the finished JWT).
func (s *Storage) Encrypt(in string) (string, error) {
	if jwt, _, ok := strings.Cut(in, ":"); ok {
		return jwt, nil
	}
	return randomToken()
}

// Decrypt verifies an access token for userinfo, introspection and
// revocation. It returns "<payload>:<subject>": the verified JWT payload
// segment serves as op's token ID, so the storage methods that receive it
// (SetUserinfoFromToken, SetIntrospectionFromToken, RevokeToken) see every
// claim without parsing the token again.
func (s *Storage) Decrypt(token string) (string, error) {
	if isOpaque(token) {
		jwt, err := s.openOpaque(token)
		if err != nil {
			return "", err
		}
		token = jwt
	}
	claims, payload, err := s.verifyAccessToken(context.Background(), token)
	if err != nil {
		return "", err
	}
	return s.ids.seal("at", payload) + ":" + claims.Subject, nil
}

var errInvalidAccessToken = errors.New("op: invalid access token")

// accessTokenAlgorithms are the algorithms Admit signs access tokens with
// (keys: RS256, ES256 or EdDSA); any other "alg", "none" included, is refused
// before a key is looked up (RFC 8725 section 3.1). Access tokens are JWTs,
// hence JWS Compact Serialization only (RFC 7519 section 1).
var accessTokenAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

func (s *Storage) verifyAccessToken(ctx context.Context, token string) (accessClaims, string, error) {
	if v, ok := s.tokens.byJWS(token); ok {
		// Verified before: only what can change since is checked again.
		if !s.keyPublished(ctx, v.kid) {
			s.tokens.drop(v)
			return accessClaims{}, "", errInvalidAccessToken
		}
		if err := s.checkIssuerAndExpiry(v.claims); err != nil {
			return accessClaims{}, "", err
		}
		return v.claims, v.payload, nil
	}
	jws, err := jose.ParseSignedCompact(token, accessTokenAlgorithms)
	if err != nil || len(jws.Signatures) != 1 {
		return accessClaims{}, "", errInvalidAccessToken
	}
	hdr := jws.Signatures[0].Protected
	if typ, _ := hdr.ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, AccessTokenType) {
		return accessClaims{}, "", errInvalidAccessToken
	}
	payload, err := s.verifySignature(ctx, jws, hdr.KeyID)
	if err != nil {
		return accessClaims{}, "", err
	}
	claims, err := decodeAccessClaims(payload)
	if err != nil {
		return accessClaims{}, "", err
	}
	if err := s.checkIssuerAndExpiry(claims); err != nil {
		return accessClaims{}, "", err
	}
	s.tokens.put(&verifiedToken{token: token, payload: payload, kid: hdr.KeyID, claims: claims}, s.now().Unix())
	return claims, payload, nil
}

func (s *Storage) checkIssuerAndExpiry(c accessClaims) error {
	if c.Issuer != s.Issuer || s.now().Unix() >= c.Expiry {
		return errInvalidAccessToken
	}
	return nil
}

// keyPublished reports whether the key kid is still in the published set
// (a pruned key no longer vouches for its tokens).
func (s *Storage) keyPublished(ctx context.Context, kid string) bool {
	pub, err := s.Keys.PublicKeys(ctx)
	if err != nil {
		return false
	}
	for _, k := range pub {
		if k.ID() == kid {
			return true
		}
	}
	return false
}

func (s *Storage) verifySignature(ctx context.Context, jws *jose.JSONWebSignature, kid string) (string, error) {
	pub, err := s.Keys.PublicKeys(ctx)
	if err != nil {
		return "", err
	}
	for _, k := range pub {
		if k.ID() != kid {
			continue
		}
		raw, err := jws.Verify(k.Key())
		if err != nil {
			return "", errInvalidAccessToken
		}
		return base64.RawURLEncoding.EncodeToString(raw), nil
	}
	return "", errInvalidAccessToken
}

// decodeAccessClaims reads a payload segment produced by verifySignature.
func decodeAccessClaims(segment string) (accessClaims, error) {
	raw, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		return accessClaims{}, errInvalidAccessToken
	}
	var c accessClaims
	if err := json.Unmarshal(raw, &c); err != nil || c.ID == "" {
		return accessClaims{}, errInvalidAccessToken
	}
	return c, nil
}

// handedAccessClaims opens op's token ID (see Decrypt) and returns its
// claims: from the verified-token cache when the token is there, decoded
// otherwise.
func (s *Storage) handedAccessClaims(tokenID string) (accessClaims, error) {
	payload, ok := s.ids.open("at", tokenID)
	if !ok {
		return accessClaims{}, errInvalidAccessToken
	}
	if v, ok := s.tokens.byPayloadSegment(payload); ok {
		return v.claims, nil
	}
	return decodeAccessClaims(payload)
}

// liveAccessClaims decodes op's token ID (see Decrypt) and checks the token
// is not revoked. With Stamps, the same round trip reads the stamps of the
// token's user and tenant, and the user comes from the node's cache when
// they are unchanged (rowcache.go).
func (s *Storage) liveAccessClaims(ctx context.Context, tokenID string) (accessClaims, error) {
	c, err := s.handedAccessClaims(tokenID)
	if err != nil {
		return accessClaims{}, err
	}
	if err := s.checkLive(ctx, c); err != nil {
		return accessClaims{}, err
	}
	return c, nil
}

// checkLive checks a verified token is not revoked (liveAccessClaims).
func (s *Storage) checkLive(ctx context.Context, c accessClaims) error {
	if s.Stamps != nil && !isClientToken(c) {
		revoked, stamps, err := s.Stamps.CheckRevokedStamped(ctx, revocationKeys(c), userStampKeys(c.Subject, c.TenantID))
		switch {
		case err != nil:
			return toOIDCError(ctx, err, "cannot check revocation")
		case revoked:
			return oidc.ErrInvalidRequest().WithDescription("the access token was revoked")
		}
		s.primeUser(ctx, c.Subject, stamps)
		return nil
	}
	switch err := s.checkNotRevoked(ctx, c); {
	case errors.Is(err, ErrTokenRevoked):
		return oidc.ErrInvalidRequest().WithDescription("the access token was revoked")
	case err != nil:
		return toOIDCError(ctx, err, "cannot check revocation")
	}
	return nil
}

// isClientToken: a client_credentials token is about its client and has no
// user (see AccessToken.User).
func isClientToken(c accessClaims) bool { return c.Subject == c.ClientID && c.AuthTime == 0 }

// revocationKeys are the deny-list keys of a token: its own and its grant's.
func revocationKeys(c accessClaims) []string { return []string{"at:" + c.ID, "grant:" + c.GrantID} }

// checkNotRevoked consults the deny-list for the token and its grant:
// ErrTokenRevoked, or the store's error.
func (s *Storage) checkNotRevoked(ctx context.Context, c accessClaims) error {
	revoked, err := s.Revocations.IsRevoked(ctx, revocationKeys(c)...)
	if err == nil && revoked {
		err = ErrTokenRevoked
	}
	return err
}

// SetUserinfoFromToken answers the userinfo endpoint.
func (s *Storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	c, err := s.liveAccessClaims(ctx, tokenID)
	if err != nil {
		return err
	}
	if isClientToken(c) {
		return oidc.ErrInvalidRequest().WithDescription("a client_credentials token has no user")
	}
	u, err := s.activeUser(ctx, subject)
	if err != nil {
		return err
	}
	scopes := strings.Fields(c.Scope)
	setUserinfo(info, u, scopes)
	if err := s.appendUserinfoRoles(ctx, info, u, scopes); err != nil {
		return err
	}
	return s.appendUserinfoExtraClaims(ctx, info, c)
}

// introspectable checks that the caller may learn about the token and that
// the token still stands: caller and token of one tenant, the token's client
// active, its user active (a suspended tenant, a disabled user): RFC 7662
// introspection reports a token active only as userinfo would answer it.
func (s *Storage) introspectable(ctx context.Context, c accessClaims, callerID string) error {
	caller, err := s.activeClient(ctx, callerID)
	if err != nil {
		return err
	}
	if c.TenantID != "" && tenantOf(caller.TenantID) != c.TenantID {
		return oidc.ErrInvalidRequest().WithDescription("the token belongs to another tenant")
	}
	if err := s.introspectableBy(ctx, c, caller); err != nil {
		return err
	}
	if _, err := s.activeClient(ctx, c.ClientID); err != nil {
		return err
	}
	if isClientToken(c) {
		return nil // client_credentials: no user
	}
	_, err = s.activeUser(ctx, c.Subject)
	return err
}

// GetPrivateClaimsFromScopes is only used by op for JWT access tokens, which
// Admit mints itself.
func (s *Storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}
