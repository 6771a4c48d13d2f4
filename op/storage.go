package op

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/keys"
	"github.com/admit-idp/admit/storage"
)

// Lifetimes of the authorization leg.
const (
	// AuthRequestLifetime bounds how long a user may take to log in.
	AuthRequestLifetime = 30 * time.Minute
	// CodeLifetime is how long an authorization code can be exchanged.
	CodeLifetime = 60 * time.Second
	// CodeReplayWindow is how long a used code is remembered so that a replay
	// revokes the grant instead of reading as "unknown code".
	CodeReplayWindow = 10 * time.Minute
)

// KeySource is what the provider needs from package keys.
type KeySource interface {
	SigningKey(ctx context.Context) (*keys.SigningKey, error)
	// SigningKeyFor is the active key of alg ("" is the default).
	SigningKeyFor(ctx context.Context, alg jose.SignatureAlgorithm) (*keys.SigningKey, error)
	// SigningAlgorithms are the algorithms with an active key, the
	// default first.
	SigningAlgorithms() []jose.SignatureAlgorithm
	PublicKeys(ctx context.Context) ([]*keys.PublicKey, error)
}

// Storage implements zitadel's op.Storage (and the optional interfaces
// listed below) on Admit's storage aggregates. Build it with a struct literal;
// Now and Logger default when nil.
type Storage struct {
	Users         storage.Users
	Clients       storage.Clients
	RefreshTokens storage.RefreshTokens
	Sessions      storage.Sessions
	AuthRequests  storage.AuthRequests
	Revocations   storage.Revocations
	Keys          KeySource
	// APIs is the API registry (resource indicators, resources.go); nil:
	// every resource is invalid_target.
	APIs APIReader
	// OpaqueKey (32 bytes) encrypts the opaque access tokens of opaque APIs
	// (opaque.go); derive it from the master key so every node opens every
	// token. Nil: opaque APIs cannot get tokens (server_error).
	OpaqueKey []byte
	// Issuer is the configured issuer URL; access tokens are verified against it.
	Issuer string
	// LoginURL returns the hosted login page for an authorization request.
	LoginURL func(authRequestID string) string
	// LogoutURL returns the page that clears the browser session and then
	// redirects to the (validated) post-logout URI; ctx is end_session's
	// request context (login.Logout binds the link to the session there).
	LogoutURL func(ctx context.Context, redirectURI string) string
	// TokenIssued, when set, is told of every token response by grant type
	// (metrics).
	TokenIssued func(grant string)
	// GrantRevoked, when set, is told of every grant revoked for replay (audit).
	GrantRevoked func(ctx context.Context, grantID, reason string)
	// ExtraClaims, when set, adds claims to id tokens (see ClaimsRequest).
	ExtraClaims ExtraClaimsFunc
	// Authorizer and Grants, when both set, put the user's roles and
	// permissions (and venue roles, with the venues scope) in access tokens
	// and userinfo; nil means no role claims. Grants are read once per
	// token issued.
	Authorizer Authorizer
	Grants     GrantReader
	// MaxTokenVenues bounds the venues of the venue_roles claim (default
	// DefaultMaxTokenVenues); past it the token points to userinfo.
	MaxTokenVenues int
	// LegacyClaimsClients lists the clients whose user access tokens also
	// carry the old auth-service's claims (see legacyclaims.go). Empty:
	// none (the default).
	LegacyClaimsClients []string
	// RefreshReuseInterval is how long after its rotation a refresh token
	// may be presented again by its client as a retry (the response to the
	// rotation was lost) and get a fresh token response instead of revoking
	// the family; 0 means any reuse revokes.
	RefreshReuseInterval time.Duration
	// Exchange configures token exchange (exchange.go).
	Exchange *TokenExchange
	// Device, when set, enables the device authorization grant (device.go).
	Device *DeviceGrant
	Now    func() time.Time
	Logger *slog.Logger

	ids handoff
	// Stamps, when set, lets this node cache users and clients between
	// requests (rowcache.go); nil caches nothing.
	Stamps storage.Stamps

	// tokens are the access tokens this node verified (tokencache.go).
	tokens verifiedTokens
	rows   rowCache
}

var (
	_ zop.Storage                        = (*Storage)(nil)
	_ zop.ClientCredentialsStorage       = (*Storage)(nil)
	_ zop.CanSetUserinfoFromRequest      = (*Storage)(nil)
	_ zop.CanTerminateSessionFromRequest = (*Storage)(nil)
	_ zop.Crypto                         = (*Storage)(nil)
	_ zop.DeviceAuthorizationStorage     = (*Storage)(nil)
)

func (s *Storage) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Storage) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// Health reports whether the key source works (op's /healthz); Admit's own
// /readyz checks the databases.
func (s *Storage) Health(ctx context.Context) error {
	_, err := s.Keys.SigningKey(ctx)
	return err
}

// CreateAuthRequest validates what op leaves to us (PKCE policy, scopes the
// client may ask for) and stores the request.
func (s *Storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, hintSubject string) (zop.AuthRequest, error) {
	c, err := s.activeClient(ctx, req.ClientID)
	if err != nil {
		return nil, toOIDCError(ctx, err, "unknown client")
	}
	if err := validatePKCE(c, req); err != nil {
		return nil, err
	}
	if err := validateResponseMode(req.ResponseMode); err != nil {
		return nil, err
	}
	if err := checkPushed(ctx, c); err != nil {
		return nil, err
	}
	req.Scopes = allowedScopes(c, req.Scopes)
	resources, err := s.authorizeResources(ctx, c)
	if err != nil {
		return nil, err
	}
	id, err := randomID()
	if err != nil {
		return nil, err
	}
	stored := newAuthRequest(id, req, hintSubject, s.now(), AuthRequestLifetime)
	stored.Resources = resources
	stored.DPoPJKT = extrasOf(ctx).dpopJKT
	if err := s.AuthRequests.CreateAuthRequest(ctx, stored); err != nil {
		return nil, toOIDCError(ctx, err, "cannot store the authorization request")
	}
	return authRequest{AuthRequest: stored}, nil
}

// validatePKCE enforces RFC 7636 as the Security BCP asks: S256 only, and
// mandatory for public clients.
func validatePKCE(c storage.Client, req *oidc.AuthRequest) error {
	if req.CodeChallenge == "" {
		if c.Public {
			return oidc.ErrInvalidRequest().WithDescription("code_challenge (PKCE, S256) is required for this client")
		}
		return nil
	}
	if req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	return nil
}

// validateResponseMode accepts what discovery advertises: query (the code
// flow's default) and form_post.
func validateResponseMode(m oidc.ResponseMode) error {
	switch m {
	case "", oidc.ResponseModeQuery, oidc.ResponseModeFormPost:
		return nil
	}
	return oidc.ErrInvalidRequest().WithDescription("response_mode must be query or form_post")
}

// allowedScopes keeps the requested scopes the client is registered for
// (RFC 6749 3.3 lets the server grant fewer), and offline_access only for
// clients that may use refresh tokens.
func allowedScopes(c storage.Client, requested []string) []string {
	out := make([]string, 0, len(requested))
	for _, sc := range requested {
		if sc != oidc.ScopeOpenID && !slices.Contains(c.Scopes, sc) {
			continue
		}
		if sc == oidc.ScopeOfflineAccess && !c.AllowsGrant(string(oidc.GrantTypeRefreshToken)) {
			continue
		}
		out = append(out, sc)
	}
	return out
}

func (s *Storage) AuthRequestByID(ctx context.Context, id string) (zop.AuthRequest, error) {
	r, err := s.AuthRequests.GetAuthRequest(ctx, id)
	if err != nil {
		return nil, toOIDCError(ctx, err, "the authorization request is unknown or expired")
	}
	return authRequest{AuthRequest: r}, nil
}

// AuthRequestByCode reads the request of a code without spending it: op
// authenticates the client and checks PKCE afterwards, and a failed attempt
// (or an outage) must not burn a code its rightful client can still use.
// A code already used is replay: the grant is revoked (RFC 6749 4.1.2).
func (s *Storage) AuthRequestByCode(ctx context.Context, code string) (zop.AuthRequest, error) {
	hash := hashToken(code)
	r, err := s.AuthRequests.GetAuthCode(ctx, hash)
	if errors.Is(err, storage.ErrAlreadyUsed) {
		_ = s.revokeGrant(ctx, r.ID, "authorization code replayed")
		return nil, oidc.ErrInvalidGrant().WithDescription("the authorization code was already used")
	}
	if err != nil {
		return nil, toOIDCError(ctx, err, "the authorization code is invalid or expired")
	}
	if err := s.checkDPoPGrant(ctx, r.ClientID, r.DPoPJKT); err != nil {
		return nil, err // before the code is spent (RFC 9449 §10)
	}
	return authRequest{AuthRequest: r, codeHash: hash}, nil
}

// spendCode consumes the code of a validated exchange, atomically: of two
// concurrent exchanges one wins, and the other is replay.
func (s *Storage) spendCode(ctx context.Context, r authRequest) error {
	if r.codeHash == "" {
		return nil
	}
	_, err := s.AuthRequests.ConsumeAuthCode(ctx, r.codeHash)
	if errors.Is(err, storage.ErrAlreadyUsed) {
		_ = s.revokeGrant(ctx, r.ID, "authorization code used concurrently")
		return oidc.ErrInvalidGrant().WithDescription("the authorization code was already used")
	}
	if err != nil {
		return toOIDCError(ctx, err, "the authorization code is invalid or expired")
	}
	return nil
}

func (s *Storage) SaveAuthCode(ctx context.Context, id, code string) error {
	r, err := s.AuthRequests.GetAuthRequest(ctx, id)
	if err != nil {
		return toOIDCError(ctx, err, "the authorization request is unknown or expired")
	}
	now := s.now()
	err = s.AuthRequests.SaveAuthCode(ctx, storage.AuthCode{
		Hash:      hashToken(code),
		Request:   r,
		ExpiresAt: now.Add(CodeLifetime),
		KeepUntil: now.Add(CodeReplayWindow),
	})
	if err != nil {
		return toOIDCError(ctx, err, "cannot store the authorization code")
	}
	return nil
}

// DeleteAuthRequest is op's clean-up after the token response. Admit deletes
// the request when the code is issued (cmd/admit/app's authResponse: one code
// per request), so by now it is gone: deleting again would cost a round
// trip, and a failure here would fail an exchange whose code is already
// spent. Leftovers expire with AuthRequestLifetime.
func (s *Storage) DeleteAuthRequest(context.Context, string) error { return nil }

// SigningKey is the key op signs ID tokens with (op.CreateIDToken): the
// algorithm the client registered as id_token_signed_response_alg (OpenID
// Connect Dynamic Client Registration section 2), else the default. At the
// token endpoint the presenting client is the client the ID token is for
// (op authenticates it before minting).
func (s *Storage) SigningKey(ctx context.Context) (zop.SigningKey, error) {
	var alg jose.SignatureAlgorithm
	if id := presentingClient(ctx); id != "" {
		if c, err := s.getClient(ctx, id); err == nil {
			alg = jose.SignatureAlgorithm(c.IDTokenSignedResponseAlg)
		}
	}
	return s.Keys.SigningKeyFor(ctx, alg)
}

// SignatureAlgorithms are the algorithms with an active key: discovery's
// id_token_signing_alg_values_supported (RS256 always among them, OpenID
// Connect Core 15.1).
func (s *Storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return s.Keys.SigningAlgorithms(), nil
}

func (s *Storage) KeySet(ctx context.Context) ([]zop.Key, error) {
	pub, err := s.Keys.PublicKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]zop.Key, 0, len(pub))
	for _, k := range pub {
		out = append(out, k)
	}
	return out, nil
}

// GetClientByClientID answers a plain error for unknown clients (op maps it
// to invalid_client) and ErrServerError only for backend faults.
//
// A client of a suspended tenant is refused like an unknown one: at
// /authorize op then shows an error instead of redirecting, at the token
// endpoint it is invalid_client.
func (s *Storage) GetClientByClientID(ctx context.Context, id string) (zop.Client, error) {
	lookup := s.activeClient
	if st := stateOf(ctx); st != nil && st.signingOut {
		lookup = s.getClient // signing out is never refused (see SigningOut)
	}
	c, err := lookup(ctx, id)
	if err != nil {
		return nil, clientLookupError(ctx, err)
	}
	presentedBy(ctx, id)
	return client{Client: c, loginURL: s.LoginURL}, nil
}

func clientLookupError(ctx context.Context, err error) error {
	noteOutage(ctx, err)
	var oe *oidc.Error
	if errors.As(err, &oe) {
		return err
	}
	if errors.Is(err, storage.ErrNotFound) {
		return oidc.ErrInvalidClient().WithParent(err).WithDescription("unknown client")
	}
	return errTemporarilyUnavailable(err)
}

// errTemporarilyUnavailable is the error of an unreachable backend:
// temporarily_unavailable, which RFC 6749 4.1.2.1 names for the
// authorization endpoint, so /authorize redirects it to the client (op
// passes an *oidc.Error from storage through unchanged). Admit's HTTP layer
// turns every error of the other protocol endpoints during an outage into
// 503 temporarily_unavailable with Retry-After.
func errTemporarilyUnavailable(err error) *oidc.Error {
	return &oidc.Error{ErrorType: "temporarily_unavailable", Parent: err, Description: "the service is temporarily unavailable; retry later"}
}

// GetKeyByIDAndClientID returns a client's public key for private_key_jwt.
func (s *Storage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, err := s.activeClient(ctx, clientID)
	if err != nil {
		return nil, clientLookupError(ctx, err)
	}
	return clientKey(c, keyID)
}

// ValidateJWTProfileScopes: the JWT bearer grant is not offered.
func (s *Storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

// SetUserinfoFromScopes is deprecated in op; SetUserinfoFromRequest does the work.
func (s *Storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the id token's user claims (when no access
// token is issued alongside, see client.IDTokenUserinfoClaimsAssertion).
func (s *Storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req zop.IDTokenRequest, scopes []string) error {
	u, err := s.activeUser(ctx, req.GetSubject())
	if err != nil {
		return err
	}
	setUserinfo(info, u, scopes)
	// Id tokens stay lean: the tenant, not the roles (those are for
	// resource servers, in the access token).
	info.AppendClaims(ClaimTenantID, tenantOf(u.TenantID))
	if sid := sessionID(req); sid != "" {
		info.AppendClaims("sid", sid)
	}
	return s.appendExtraClaims(ctx, info, req, scopes)
}

// sessionID is the browser session an id token belongs to (OIDC Front- and
// Back-Channel Logout "sid").
func sessionID(req zop.IDTokenRequest) string {
	switch r := req.(type) {
	case authRequest:
		return r.SessionID
	case *refreshRequest:
		return r.token.SessionID
	}
	return ""
}

func (s *Storage) activeUser(ctx context.Context, id string) (storage.User, error) {
	u, err := s.getUser(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.Disabled) {
		return storage.User{}, oidc.ErrInvalidGrant().WithDescription("the user no longer exists or is disabled")
	}
	if err != nil {
		return storage.User{}, toOIDCError(ctx, err, "cannot load the user")
	}
	if u.TenantSuspended() {
		return storage.User{}, errUserTenantSuspended()
	}
	return u, nil
}

// toOIDCError maps storage errors to OAuth errors: unknown or expired
// records are invalid_grant, an unreachable backend is a retryable
// temporarily_unavailable.
func toOIDCError(ctx context.Context, err error, description string) error {
	noteOutage(ctx, err)
	var oe *oidc.Error
	switch {
	case errors.As(err, &oe):
		return err
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrAlreadyUsed):
		return oidc.ErrInvalidGrant().WithParent(err).WithDescription("%s", description)
	case errors.Is(err, storage.ErrUnavailable):
		return errTemporarilyUnavailable(err)
	}
	return oidc.ErrServerError().WithParent(err).WithDescription("%s", description)
}
