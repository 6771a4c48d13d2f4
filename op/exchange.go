package op

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/storage"
)

// GrantTokenExchange is RFC 8693's grant type; registering it is a
// client's switch for token exchange (off by default).
const GrantTokenExchange = string(oidc.GrantTypeTokenExchange)

// Token exchange (RFC 8693) serves two uses:
//
//   - Native social sign-in: subject_token_type
//     urn:ietf:params:oauth:token-type:id_token with an ID token a
//     provider's native SDK issued (Google, Apple). The upstream verifies it
//     and resolves the Admit account with the browser's rules
//     (TokenExchange.Upstream); the tokens carry the amr of a social login.
//   - Delegation: subject_token_type
//     urn:ietf:params:oauth:token-type:access_token with an Admit access
//     token addressed to the calling (confidential) client, and an audience
//     naming another client (the API called next). The new token has
//     narrower or equal scopes and an act claim naming the caller (4.1),
//     nesting any act the subject token had.
//
// The HTTP layer authenticates the client (op's own handler knows only
// Basic authentication, and no public clients) and puts the request's
// exchange state in the context (WithExchange); op's
// CreateTokenExchangeRequest and CreateTokenExchangeResponse then call the
// methods below.

// Upstream is native social sign-in as op needs it (login/social through
// the app). Its errors are returned to the client as they are when they
// are *oidc.Error.
type Upstream interface {
	// VerifyUpstreamIDToken verifies a third-party ID token; the identity
	// is opaque to op.
	VerifyUpstreamIDToken(ctx context.Context, token, nonce string) (UpstreamIdentity, error)
	// ResolveUpstream finds or creates the account of the identity in the
	// tenant and returns its ID and the amr of the sign-in.
	ResolveUpstream(ctx context.Context, tenantID string, id UpstreamIdentity) (userID string, amr []string, err error)
}

// UpstreamIdentity is a verified third-party ID token's identity.
type UpstreamIdentity interface {
	// Subject is "<provider>:<subject at the provider>".
	Subject() string
}

// TokenExchange configures token exchange on Storage.
type TokenExchange struct {
	// Upstream enables native social sign-in; nil: refused.
	Upstream Upstream
	// HasSecondFactor reports whether the user has an enrolled second
	// factor (login.Engine.HasSecondFactor). A native sign-in cannot ask
	// for it, so such users are refused; nil: every native sign-in is
	// refused (fail closed).
	HasSecondFactor func(ctx context.Context, userID string) (bool, error)
	// Consents are the users' stored consents: a native sign-in to a
	// client that is not first-party needs one covering the scopes (it
	// cannot show the consent page); nil: only first-party clients.
	Consents storage.Consents
}

// ExchangeState is one token-exchange request's scratch space: the HTTP
// layer sets Nonce; the storage methods fill in the rest for minting and
// for the caller's audit.
type ExchangeState struct {
	// Nonce is the nonce the app sent with a native sign-in.
	Nonce string
	// Kind is "native" or "delegation" once validated.
	Kind string
	// UserID is the subject of the issued token; Provider the upstream
	// provider of a native sign-in (from the amr).
	UserID string
	// VerifyErr is why the subject token was not accepted (op itself only
	// says "subject_token is invalid").
	VerifyErr error

	upstream UpstreamIdentity
	sub      tokenSubject
}

type exchangeKey struct{}

// WithExchange puts a token-exchange request's state in ctx.
func WithExchange(ctx context.Context, st *ExchangeState) context.Context {
	return context.WithValue(ctx, exchangeKey{}, st)
}

func exchangeOf(ctx context.Context) *ExchangeState {
	st, _ := ctx.Value(exchangeKey{}).(*ExchangeState)
	return st
}

var (
	_ zop.TokenExchangeStorage               = (*Storage)(nil)
	_ zop.TokenExchangeTokensVerifierStorage = (*Storage)(nil)
)

// errInvalidTarget is RFC 8693 2.2.2's invalid_target.
func errInvalidTarget(format string, a ...any) *oidc.Error {
	e := oidc.ErrInvalidRequest().WithDescription(format, a...)
	e.ErrorType = "invalid_target"
	return e
}

// VerifyExchangeSubjectToken verifies third-party tokens: op has already
// tried Admit's own access and ID tokens. Only upstream ID tokens are
// accepted, through the configured Upstream.
func (s *Storage) VerifyExchangeSubjectToken(ctx context.Context, token string, tokenType oidc.TokenType) (string, string, map[string]any, error) {
	st := exchangeOf(ctx)
	if st == nil || tokenType != oidc.IDTokenType || s.Exchange == nil || s.Exchange.Upstream == nil {
		return "", "", nil, errors.New("op: not an exchangeable token")
	}
	id, err := s.Exchange.Upstream.VerifyUpstreamIDToken(ctx, token, st.Nonce)
	if err != nil {
		st.VerifyErr = err
		return "", "", nil, err
	}
	st.upstream = id
	return token, id.Subject(), map[string]any{}, nil
}

// VerifyExchangeActorToken: actor tokens are not accepted; the
// authenticated client is the actor.
func (s *Storage) VerifyExchangeActorToken(context.Context, string, oidc.TokenType) (string, string, map[string]any, error) {
	return "", "", nil, errors.New("op: actor tokens are not accepted")
}

// ValidateTokenExchangeRequest applies the policy of the two uses (see
// above) and prepares the token subject.
func (s *Storage) ValidateTokenExchangeRequest(ctx context.Context, req zop.TokenExchangeRequest) error {
	st := exchangeOf(ctx)
	if st == nil {
		return oidc.ErrUnsupportedGrantType()
	}
	c, err := s.activeClient(ctx, req.GetClientID())
	if err != nil {
		return clientLookupError(ctx, err)
	}
	if !c.AllowsGrant(GrantTokenExchange) {
		return oidc.ErrUnauthorizedClient().WithDescription("the client may not use token exchange")
	}
	if req.GetExchangeActorTokenIDOrToken() != "" {
		return oidc.ErrInvalidRequest().WithDescription("actor_token is not accepted: the authenticated client is the actor")
	}
	switch {
	case req.GetExchangeSubjectTokenType() == oidc.IDTokenType && st.upstream != nil:
		return s.validateNative(ctx, st, c, req)
	case req.GetExchangeSubjectTokenType() == oidc.AccessTokenType:
		return s.validateDelegation(ctx, st, c, req)
	}
	return oidc.ErrInvalidRequest().WithDescription("subject_token must be an upstream provider's ID token or an Admit access token")
}

// validateNative: native social sign-in. No audience or resource (the
// tokens are the client's own); scopes as at /authorize; the default token
// type is a refresh token (with its access token) when the client may
// refresh and asked for offline_access, else an access token.
func (s *Storage) validateNative(ctx context.Context, st *ExchangeState, c storage.Client, req zop.TokenExchangeRequest) error {
	if len(req.GetAudience()) > 0 || len(req.GetResourses()) > 0 {
		return errInvalidTarget("a native sign-in issues tokens for the client itself: send no audience or resource")
	}
	userID, amr, err := s.Exchange.Upstream.ResolveUpstream(ctx, tenantOf(c.TenantID), st.upstream)
	if err != nil {
		return toOIDCError(ctx, err, "cannot resolve the account")
	}
	u, err := s.activeUser(ctx, userID)
	if err != nil {
		return err
	}
	scopes := allowedScopes(c, req.GetScopes())
	if err := s.nativeNeedsHostedSignIn(ctx, c, u.ID, scopes); err != nil {
		return err
	}
	if err := defaultTokenType(req, c, scopes); err != nil {
		return err
	}
	req.SetCurrentScopes(scopes)
	req.SetSubject(u.ID)
	st.Kind, st.UserID = "native", u.ID
	st.sub = tokenSubject{
		grant: "token_exchange", subject: u.ID, clientID: c.ID, audience: []string{c.ID}, scopes: scopes,
		authTime: s.now(), acr: deviceACR(amr), amr: amr,
		lifetime: orDefault(c.AccessTokenLifetime, DefaultAccessTokenLifetime), tenantID: tenantOf(u.TenantID), user: true,
	}
	return nil
}

// nativeNeedsHostedSignIn applies the browser login's second-factor and
// consent rules (login/mfa.go askSecondFactor, login/consent.go
// needsConsent), which a token exchange cannot ask for: a client with
// RequireMFA, a user with an enrolled second factor, or a client that is
// not first-party without a stored consent covering the scopes is refused
// with invalid_grant (RFC 8693 2.2.2 defers to RFC 6749 5.2) telling the
// app to use the hosted sign-in (authorization code with PKCE, RFC 8252).
func (s *Storage) nativeNeedsHostedSignIn(ctx context.Context, c storage.Client, userID string, scopes []string) error {
	const hosted = "send the user through the hosted sign-in (authorization code flow with PKCE)"
	if c.RequireMFA {
		return oidc.ErrInvalidGrant().WithDescription("second_factor_required: this client requires a second factor, which a native sign-in cannot ask for; %s", hosted)
	}
	if s.Exchange.HasSecondFactor == nil {
		return oidc.ErrInvalidGrant().WithDescription("second_factor_required: a native sign-in cannot ask for a second factor; %s", hosted)
	}
	has, err := s.Exchange.HasSecondFactor(ctx, userID)
	if err != nil {
		return toOIDCError(ctx, err, "cannot check the account's second factors")
	}
	if has {
		return oidc.ErrInvalidGrant().WithDescription("second_factor_required: this account uses a second factor, which a native sign-in cannot ask for; %s", hosted)
	}
	if c.FirstParty {
		return nil
	}
	consentRequired := oidc.ErrInvalidGrant().WithDescription("consent_required: the user has not granted this client the requested scopes, and a native sign-in cannot ask; %s", hosted)
	if s.Exchange.Consents == nil {
		return consentRequired
	}
	con, err := s.Exchange.Consents.GetConsent(ctx, userID, c.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return consentRequired
	}
	if err != nil {
		return toOIDCError(ctx, err, "cannot check consent")
	}
	if !con.Covers(scopes) {
		return consentRequired
	}
	return nil
}

func defaultTokenType(req zop.TokenExchangeRequest, c storage.Client, scopes []string) error {
	switch req.GetRequestedTokenType() {
	case "":
		tt := oidc.AccessTokenType
		if slices.Contains(scopes, oidc.ScopeOfflineAccess) && c.AllowsGrant(string(oidc.GrantTypeRefreshToken)) {
			tt = oidc.RefreshTokenType
		}
		req.SetRequestedTokenType(tt)
	case oidc.AccessTokenType, oidc.IDTokenType:
	case oidc.RefreshTokenType:
		if !c.AllowsGrant(string(oidc.GrantTypeRefreshToken)) {
			return oidc.ErrInvalidRequest().WithDescription("the client may not use refresh tokens")
		}
	default:
		return oidc.ErrInvalidRequest().WithDescription("requested_token_type must be an access, refresh or ID token")
	}
	return nil
}

// validateDelegation: a service exchanges the access token it received for
// one addressed to another API. The caller must be confidential and the
// token addressed to it; the audience must name active clients of the same
// tenant (invalid_target otherwise, RFC 8693 2.2.2); scopes may only
// narrow (offline_access never passes); only an access token is issued.
func (s *Storage) validateDelegation(ctx context.Context, st *ExchangeState, c storage.Client, req zop.TokenExchangeRequest) error {
	if c.Public {
		return oidc.ErrUnauthorizedClient().WithDescription("only a confidential client may exchange access tokens")
	}
	ac, err := s.liveAccessClaims(ctx, req.GetExchangeSubjectTokenIDOrToken())
	if err != nil {
		return oidc.ErrInvalidRequest().WithDescription("subject_token is invalid").WithParent(err)
	}
	if ac.AuthTime == 0 && ac.Subject == ac.ClientID {
		return oidc.ErrInvalidRequest().WithDescription("subject_token has no user")
	}
	if ac.GrantID == "" {
		// The delegated token must stay revocable with the subject's grant.
		return oidc.ErrInvalidRequest().WithDescription("subject_token has no grant")
	}
	if ac.ClientID != c.ID && !slices.Contains(ac.Audience, c.ID) {
		return oidc.ErrInvalidGrant().WithDescription("subject_token is not addressed to this client")
	}
	if ac.TenantID != tenantOf(c.TenantID) {
		return oidc.ErrInvalidGrant().WithDescription("subject_token belongs to another tenant")
	}
	u, err := s.activeUser(ctx, ac.Subject)
	if err != nil {
		return err
	}
	aud, err := s.delegationAudience(ctx, c, req.GetAudience(), req.GetResourses())
	if err != nil {
		return err
	}
	scopes, err := narrowScopes(strings.Fields(ac.Scope), req.GetScopes())
	if err != nil {
		return err
	}
	switch req.GetRequestedTokenType() {
	case "", oidc.AccessTokenType:
		req.SetRequestedTokenType(oidc.AccessTokenType)
	default:
		return oidc.ErrInvalidRequest().WithDescription("delegation issues access tokens only")
	}
	req.SetCurrentScopes(scopes)
	st.Kind, st.UserID = "delegation", u.ID
	// The delegated token stays in the subject token's grant, so revoking
	// that grant (deny-list "grant:<id>", refresh reuse, sign-out
	// everywhere) ends it too, and it never outlives the subject token
	// (RFC 8693 2.1 leaves the lifetime to the server; a delegation must
	// not extend the user's authorization, nor be re-exchanged forever).
	st.sub = tokenSubject{
		grant: "token_exchange", grantID: ac.GrantID, subject: u.ID, clientID: c.ID, audience: aud, scopes: scopes,
		authTime: timeOf(ac.AuthTime), acr: ac.ACR, amr: ac.AMR, sid: ac.SID,
		lifetime: orDefault(c.AccessTokenLifetime, DefaultAccessTokenLifetime), notAfter: timeOf(ac.Expiry),
		tenantID: ac.TenantID, user: true, act: actorClaim(c.ID, ac.Act),
		alg: c.AccessTokenSignedResponseAlg,
	}
	// A token for registered APIs is shaped like any token for them: their
	// scopes, lifetime, algorithm and form (resources.go).
	if !slices.ContainsFunc(aud, func(a string) bool { return !s.isAPI(ctx, c, a) }) {
		tg, err := s.targetOf(ctx, c, aud, scopes)
		if err != nil {
			return err
		}
		st.sub = st.sub.withTarget(tg)
		req.SetCurrentScopes(tg.scopes)
	}
	return nil
}

// delegationAudience: every audience value (or resource URI: RFC 8693
// 2.1 lets either name the target) must be in the caller's
// AllowedResources, and be a registered API or an active client of the
// caller's tenant; anything else is invalid_target (RFC 8693 2.2.2). This is
// the resource rule of resources.go: a client delegates only to targets it
// was allowed.
func (s *Storage) delegationAudience(ctx context.Context, c storage.Client, audience, resources []string) ([]string, error) {
	aud := append(slices.Clone(audience), resources...)
	if len(aud) == 0 {
		return nil, errInvalidTarget("name the API the token is for in audience")
	}
	for _, a := range aud {
		if !slices.Contains(c.AllowedResources, a) {
			return nil, errInvalidTarget("audience %q is not allowed for this client", a)
		}
		if s.isAPI(ctx, c, a) {
			continue
		}
		t, err := s.activeClient(ctx, a)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && tenantOf(t.TenantID) != tenantOf(c.TenantID)) {
			return nil, errInvalidTarget("unknown audience %q", a)
		}
		if err != nil {
			return nil, clientLookupError(ctx, err)
		}
	}
	return aud, nil
}

// isAPI reports whether aud is a registered API of c's tenant.
func (s *Storage) isAPI(ctx context.Context, c storage.Client, aud string) bool {
	if s.APIs == nil {
		return false
	}
	a, err := s.APIs.GetAPIByIdentifier(ctx, aud)
	return err == nil && tenantOf(a.TenantID) == tenantOf(c.TenantID)
}

// narrowScopes: the requested scopes, each of which the subject token must
// have; none requested: the subject token's. offline_access never passes
// (no refresh token is issued).
func narrowScopes(have, want []string) ([]string, error) {
	if len(want) == 0 {
		want = have
	}
	out := make([]string, 0, len(want))
	for _, sc := range want {
		if sc == oidc.ScopeOfflineAccess {
			continue
		}
		if !slices.Contains(have, sc) {
			return nil, oidc.ErrInvalidScope().WithDescription("scope %q is not in the subject token", sc)
		}
		out = append(out, sc)
	}
	return out, nil
}

// actorClaim is RFC 8693 4.1's act: the current actor, with the prior
// chain nested inside.
func actorClaim(clientID string, prior map[string]any) map[string]any {
	act := map[string]any{"sub": clientID}
	if prior != nil {
		act["act"] = prior
	}
	return act
}

// CreateTokenExchangeRequest: nothing to store (the caller audits).
func (s *Storage) CreateTokenExchangeRequest(context.Context, zop.TokenExchangeRequest) error {
	return nil
}

// GetPrivateClaimsFromTokenExchangeRequest is only used for access tokens
// op mints itself; Admit mints them (tokens.go).
func (s *Storage) GetPrivateClaimsFromTokenExchangeRequest(context.Context, zop.TokenExchangeRequest) (map[string]any, error) {
	return nil, nil
}

// SetUserinfoFromTokenExchangeRequest fills an ID token issued by
// exchange (requested_token_type id_token) as SetUserinfoFromRequest does.
func (s *Storage) SetUserinfoFromTokenExchangeRequest(ctx context.Context, info *oidc.UserInfo, req zop.TokenExchangeRequest) error {
	st := exchangeOf(ctx)
	if st == nil || st.UserID == "" {
		return oidc.ErrInvalidRequest().WithDescription("no exchange in progress")
	}
	u, err := s.activeUser(ctx, st.UserID)
	if err != nil {
		return err
	}
	setUserinfo(info, u, req.GetScopes())
	info.AppendClaims(ClaimTenantID, tenantOf(u.TenantID))
	info.AppendClaims("amr", st.sub.amr)
	info.AppendClaims("acr", st.sub.acr)
	return s.appendExtraClaims(ctx, info, exchangeIDRequest{req, st.sub.amr}, req.GetScopes())
}

// exchangeIDRequest lends the exchange's amr to the extra claims (idp).
type exchangeIDRequest struct {
	zop.TokenExchangeRequest
	amr []string
}

func (r exchangeIDRequest) GetAMR() []string { return r.amr }

// exchangeSubject is the token subject Validate prepared. A native
// sign-in starts a fresh grant (a refresh family of its own); a delegation
// keeps the subject token's grant (validateDelegation).
func (s *Storage) exchangeSubject(ctx context.Context) (tokenSubject, error) {
	st := exchangeOf(ctx)
	if st == nil || st.sub.subject == "" {
		return tokenSubject{}, oidc.ErrUnsupportedGrantType()
	}
	if st.Kind == "delegation" {
		return st.sub, nil
	}
	gid, err := randomID()
	if err != nil {
		return tokenSubject{}, fmt.Errorf("op: grant id: %w", err)
	}
	sub := st.sub
	sub.grantID = gid
	return sub, nil
}

// timeOf reads a NumericDate claim (zero stays zero).
func timeOf(unix int64) time.Time {
	if unix == 0 {
		return time.Time{}
	}
	return time.Unix(unix, 0).UTC()
}
