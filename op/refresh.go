package op

import (
	"context"
	"errors"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/storage"
)

// refreshRequest is a usable refresh token being exchanged; it satisfies
// zop.RefreshTokenRequest.
type refreshRequest struct {
	token    storage.RefreshToken
	scopes   []string
	lifetime time.Duration
	tenantID string // the user's
	// retry marks a token rotated within the reuse interval: it is
	// exchanged with ReuseRefreshToken instead of being rotated.
	retry bool
}

var _ zop.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string             { return r.token.AMR }
func (r *refreshRequest) GetAudience() []string        { return []string{r.token.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time       { return r.token.AuthTime }
func (r *refreshRequest) GetClientID() string          { return r.token.ClientID }
func (r *refreshRequest) GetScopes() []string          { return r.scopes }
func (r *refreshRequest) GetSubject() string           { return r.token.UserID }
func (r *refreshRequest) SetCurrentScopes(sc []string) { r.scopes = sc }

// refreshSubject: the access token of a refresh is for the resources the
// request names, which must be among those granted (RFC 8707 section 2.2),
// or for all of them.
func (s *Storage) refreshSubject(ctx context.Context, r *refreshRequest) (tokenSubject, error) {
	c, err := s.activeClient(ctx, r.token.ClientID)
	if err != nil {
		return tokenSubject{}, toOIDCError(ctx, err, "unknown client")
	}
	tg, err := s.grantTarget(ctx, c, r.token.Resources, r.scopes)
	if err != nil {
		return tokenSubject{}, err
	}
	return tokenSubject{
		grant: "refresh_token", grantID: r.token.FamilyID, subject: r.token.UserID,
		clientID: r.token.ClientID, scopes: r.scopes,
		authTime: r.token.AuthTime, acr: r.token.ACR, amr: r.token.AMR, sid: r.token.SessionID,
		tenantID: r.tenantID, user: true,
	}.withTarget(tg), nil
}

// TokenRequestByRefreshToken looks the token up by hash. Presenting a token
// that was already rotated is replay: the whole family is revoked (Security
// BCP 4.14.2), unless it was rotated within the reuse interval (a retry
// after a lost response, see rotate).
func (s *Storage) TokenRequestByRefreshToken(ctx context.Context, token string) (zop.RefreshTokenRequest, error) {
	t, err := s.RefreshTokens.GetRefreshToken(ctx, hashToken(token))
	if err != nil {
		return nil, toOIDCError(ctx, err, "the refresh token is invalid")
	}
	// RFC 9449 §5: a bound refresh token needs a proof of its key; checked
	// before replay handling, so that a stolen token without its key
	// neither works nor revokes its owner's family.
	if err := s.checkDPoPGrant(ctx, t.ClientID, t.DPoPJKT); err != nil {
		return nil, err
	}
	retry := s.retryable(t) && presentingClient(ctx) == t.ClientID
	if !t.RotatedAt.IsZero() && t.RevokedAt.IsZero() && !retry {
		_ = s.revokeGrant(ctx, t.FamilyID, "refresh token reused")
	}
	if !t.Usable(s.now()) && !retry {
		return nil, oidc.ErrInvalidGrant().WithDescription("the refresh token is expired, revoked or already used")
	}
	u, c, err := s.grantParties(ctx, t.UserID, t.ClientID)
	if err != nil {
		return nil, err
	}
	return &refreshRequest{
		token: t, scopes: t.Scopes, lifetime: orDefault(c.AccessTokenLifetime, DefaultAccessTokenLifetime),
		tenantID: tenantOf(u.TenantID), retry: retry,
	}, nil
}

// retryable reports a token rotated, not revoked and unexpired, presented
// again within the reuse interval: a client retrying a refresh whose
// response it never got (Hydra's grace period, Auth0's reuse interval).
// Whether its successor is still unused, which tells a retry from replay,
// is decided atomically when the retry is exchanged (rotate). Only the
// token's own client may retry: op has authenticated the presenting client
// before this lookup (presentingClient), and another client presenting the
// token is replay, revoking the family as before.
func (s *Storage) retryable(t storage.RefreshToken) bool {
	now := s.now()
	return s.RefreshReuseInterval > 0 && !t.RotatedAt.IsZero() && t.RevokedAt.IsZero() &&
		now.Before(t.ExpiresAt) && !now.After(t.RotatedAt.Add(s.RefreshReuseInterval))
}

// CreateAccessAndRefreshTokens issues an access token and a new refresh token,
// either for a fresh grant (code exchange) or by rotating the presented one.
func (s *Storage) CreateAccessAndRefreshTokens(ctx context.Context, req zop.TokenRequest, current string) (string, string, time.Time, error) {
	sub, err := s.tokenSubject(ctx, req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	refresh, err := s.issueRefreshToken(ctx, req, sub, current)
	if err != nil {
		return "", "", time.Time{}, err
	}
	access, exp, err := s.mintAccessToken(ctx, sub)
	if err != nil {
		return "", "", time.Time{}, err
	}
	return access, refresh, exp, nil
}

func (s *Storage) issueRefreshToken(ctx context.Context, req zop.TokenRequest, sub tokenSubject, current string) (string, error) {
	value, err := randomToken()
	if err != nil {
		return "", err
	}
	next, err := s.nextRefreshToken(ctx, req, sub, value)
	if err != nil {
		return "", err
	}
	if rr, ok := req.(*refreshRequest); ok {
		err = s.rotate(ctx, rr, current, next)
	} else {
		err = s.RefreshTokens.CreateRefreshToken(ctx, next)
	}
	if err != nil {
		return "", toOIDCError(ctx, err, "cannot store the refresh token")
	}
	return value, nil
}

// rotate replaces the presented token. Losing a concurrent rotation means the
// same token was used twice: that is replay too, and revokes the family. A
// retry within the reuse interval supersedes the successor the client never
// got; if the client did use that successor (or the interval has passed
// meanwhile), the retry is replay as well.
func (s *Storage) rotate(ctx context.Context, rr *refreshRequest, current string, next storage.RefreshToken) error {
	if rr.retry {
		err := s.RefreshTokens.ReuseRefreshToken(ctx, hashToken(current), s.now().Add(-s.RefreshReuseInterval), next)
		if errors.Is(err, storage.ErrAlreadyUsed) {
			_ = s.revokeGrant(ctx, rr.token.FamilyID, "refresh token reused")
			return oidc.ErrInvalidGrant().WithDescription("the refresh token was already used")
		}
		if err == nil {
			s.logger().InfoContext(ctx, "refresh token retried within the reuse interval", "grant_id", rr.token.FamilyID, "client_id", rr.token.ClientID)
		}
		return err
	}
	err := s.RefreshTokens.RotateRefreshToken(ctx, hashToken(current), next)
	if errors.Is(err, storage.ErrAlreadyUsed) {
		_ = s.revokeGrant(ctx, rr.token.FamilyID, "refresh token used concurrently")
		return oidc.ErrInvalidGrant().WithDescription("the refresh token was already used")
	}
	return err
}

func (s *Storage) nextRefreshToken(ctx context.Context, req zop.TokenRequest, sub tokenSubject, value string) (storage.RefreshToken, error) {
	id, err := randomID()
	if err != nil {
		return storage.RefreshToken{}, err
	}
	now := s.now()
	t := storage.RefreshToken{
		ID: id, Hash: hashToken(value), FamilyID: sub.grantID, ClientID: sub.clientID, UserID: sub.subject,
		Scopes: sub.grantScopes, AMR: sub.amr, ACR: sub.acr, AuthTime: sub.authTime, SessionID: sub.sid, CreatedAt: now,
		Resources: sub.resources,
	}
	if t.Scopes == nil {
		t.Scopes = sub.scopes
	}
	if rr, ok := req.(*refreshRequest); ok {
		// Rotation keeps the family's absolute expiry (refreshing never
		// extends a grant) and its scopes: a refresh asking for fewer scopes
		// narrows that access token only (RFC 6749 6).
		t.ExpiresAt, t.Scopes, t.Resources, t.DPoPJKT = rr.token.ExpiresAt, rr.token.Scopes, rr.token.Resources, rr.token.DPoPJKT
		return t, nil
	}
	c, err := s.getClient(ctx, sub.clientID)
	if err != nil {
		return storage.RefreshToken{}, toOIDCError(ctx, err, "unknown client")
	}
	t.ExpiresAt = now.Add(orDefault(c.RefreshTokenLifetime, DefaultRefreshTokenLifetime))
	t.DPoPJKT = refreshBinding(c, sub)
	return t, nil
}

// revokeGrant revokes a grant's refresh tokens and, through the deny-list,
// its unexpired access tokens. Failures are logged and returned; replay
// paths refuse their request either way.
func (s *Storage) revokeGrant(ctx context.Context, grantID, reason string) error {
	now := s.now()
	errFamily := s.RefreshTokens.RevokeRefreshFamily(ctx, grantID, now)
	errList := s.Revocations.Revoke(ctx, "grant:"+grantID, now.Add(maxAccessTokenLifetime))
	err := errors.Join(errFamily, errList)
	if err != nil {
		s.logger().ErrorContext(ctx, "revoking a grant failed", "grant_id", grantID, "reason", reason, "error", err)
	} else {
		s.logger().WarnContext(ctx, "grant revoked", "grant_id", grantID, "reason", reason)
	}
	if s.GrantRevoked != nil {
		s.GrantRevoked(ctx, grantID, reason)
	}
	return err
}

// maxAccessTokenLifetime bounds deny-list entries; client lifetimes above it
// are refused when clients are registered.
const maxAccessTokenLifetime = 24 * time.Hour

// GetRefreshTokenInfo serves revocation (RFC 7009): it recognises Admit's
// refresh tokens of the calling client.
func (s *Storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := s.RefreshTokens.GetRefreshToken(ctx, hashToken(token))
	if errors.Is(err, storage.ErrNotFound) || (err == nil && t.ClientID != clientID) {
		return "", "", zop.ErrInvalidRefreshToken
	}
	if err != nil {
		noteOutage(ctx, err)
		return "", "", err
	}
	return t.UserID, s.ids.seal("rf", t.FamilyID), nil
}

// RevokeToken revokes a refresh token's whole grant, or one access token.
// op passes the ID returned by GetRefreshTokenInfo or Decrypt — or, for a
// token it could not recognise, the raw token text — so only IDs carrying
// this process's MAC are acted on; anything else is an unknown token, which
// RFC 7009 2.2 answers with success.
func (s *Storage) RevokeToken(ctx context.Context, tokenID, _, clientID string) *oidc.Error {
	if family, ok := s.ids.open("rf", tokenID); ok {
		return s.revokeFailed(ctx, s.revokeGrant(ctx, family, "revoked by client"))
	}
	payload, ok := s.ids.open("at", tokenID)
	if !ok {
		return nil
	}
	c, err := decodeAccessClaims(payload)
	if err != nil || c.ClientID != clientID {
		return nil
	}
	// A forged or odd exp must not make the deny-list entry outlive any
	// real token.
	until := time.Unix(c.Expiry, 0)
	if limit := s.now().Add(maxAccessTokenLifetime); until.After(limit) {
		until = limit
	}
	return s.revokeFailed(ctx, s.Revocations.Revoke(ctx, "at:"+c.ID, until))
}

// revokeFailed answers a failed revocation as retryable rather than
// claiming success (RFC 7009 2.2.1 allows 503).
func (s *Storage) revokeFailed(ctx context.Context, err error) *oidc.Error {
	if err == nil {
		return nil
	}
	noteOutage(ctx, err)
	return oidc.ErrServerError().WithParent(err).WithDescription("cannot revoke now; retry")
}
