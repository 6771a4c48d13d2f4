package op

import (
	"context"
	"errors"
	"strings"
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
}

var _ zop.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string             { return r.token.AMR }
func (r *refreshRequest) GetAudience() []string        { return []string{r.token.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time       { return r.token.AuthTime }
func (r *refreshRequest) GetClientID() string          { return r.token.ClientID }
func (r *refreshRequest) GetScopes() []string          { return r.scopes }
func (r *refreshRequest) GetSubject() string           { return r.token.UserID }
func (r *refreshRequest) SetCurrentScopes(sc []string) { r.scopes = sc }

func (r *refreshRequest) tokenSubject() tokenSubject {
	return tokenSubject{
		grant: "refresh_token", grantID: r.token.FamilyID, subject: r.token.UserID,
		clientID: r.token.ClientID, audience: r.GetAudience(), scopes: r.scopes,
		authTime: r.token.AuthTime, acr: r.token.ACR, amr: r.token.AMR, sid: r.token.SessionID,
		lifetime: r.lifetime,
	}
}

// TokenRequestByRefreshToken looks the token up by hash. Presenting a token
// that was already rotated is replay: the whole family is revoked (Security
// BCP 4.14.2).
func (s *Storage) TokenRequestByRefreshToken(ctx context.Context, token string) (zop.RefreshTokenRequest, error) {
	t, err := s.RefreshTokens.GetRefreshToken(ctx, hashToken(token))
	if err != nil {
		return nil, toOIDCError(ctx, err, "the refresh token is invalid")
	}
	if !t.RotatedAt.IsZero() && t.RevokedAt.IsZero() {
		s.revokeGrant(ctx, t.FamilyID, "refresh token reused")
	}
	if !t.Usable(s.now()) {
		return nil, oidc.ErrInvalidGrant().WithDescription("the refresh token is expired, revoked or already used")
	}
	if _, err := s.activeUser(ctx, t.UserID); err != nil {
		return nil, err
	}
	c, err := s.getClient(ctx, t.ClientID)
	if err != nil {
		return nil, toOIDCError(ctx, err, "unknown client")
	}
	return &refreshRequest{token: t, scopes: t.Scopes, lifetime: orDefault(c.AccessTokenLifetime, DefaultAccessTokenLifetime)}, nil
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
// same token was used twice: that is replay too, and revokes the family.
func (s *Storage) rotate(ctx context.Context, rr *refreshRequest, current string, next storage.RefreshToken) error {
	err := s.RefreshTokens.RotateRefreshToken(ctx, hashToken(current), next)
	if errors.Is(err, storage.ErrAlreadyUsed) {
		s.revokeGrant(ctx, rr.token.FamilyID, "refresh token used concurrently")
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
		Scopes: sub.scopes, AMR: sub.amr, ACR: sub.acr, AuthTime: sub.authTime, SessionID: sub.sid, CreatedAt: now,
	}
	if rr, ok := req.(*refreshRequest); ok {
		// Rotation keeps the family's absolute expiry: refreshing never
		// extends a grant beyond its original lifetime.
		t.ExpiresAt = rr.token.ExpiresAt
		return t, nil
	}
	c, err := s.getClient(ctx, sub.clientID)
	if err != nil {
		return storage.RefreshToken{}, toOIDCError(ctx, err, "unknown client")
	}
	t.ExpiresAt = now.Add(orDefault(c.RefreshTokenLifetime, DefaultRefreshTokenLifetime))
	return t, nil
}

// revokeGrant revokes a grant's refresh tokens and, through the deny-list,
// its unexpired access tokens. Failures are logged: the caller is already
// refusing the request.
func (s *Storage) revokeGrant(ctx context.Context, grantID, reason string) {
	now := s.now()
	if err := s.RefreshTokens.RevokeRefreshFamily(ctx, grantID, now); err != nil {
		s.logger().ErrorContext(ctx, "revoke refresh family", "grant_id", grantID, "error", err)
	}
	if err := s.Revocations.Revoke(ctx, "grant:"+grantID, now.Add(maxAccessTokenLifetime)); err != nil {
		s.logger().ErrorContext(ctx, "deny-list grant", "grant_id", grantID, "error", err)
	}
	s.logger().WarnContext(ctx, "grant revoked", "grant_id", grantID, "reason", reason)
	if s.GrantRevoked != nil {
		s.GrantRevoked(ctx, grantID, reason)
	}
}

// maxAccessTokenLifetime bounds deny-list entries; client lifetimes above it
// are refused when clients are registered.
const maxAccessTokenLifetime = 24 * time.Hour

const refreshTokenIDPrefix = "rf."

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
	return t.UserID, refreshTokenIDPrefix + t.FamilyID, nil
}

// RevokeToken revokes a refresh token's whole grant, or one access token
// (op passes the ID returned by GetRefreshTokenInfo or Decrypt). Unknown
// tokens succeed silently as RFC 7009 2.2 requires.
func (s *Storage) RevokeToken(ctx context.Context, tokenID, _, clientID string) *oidc.Error {
	if family, ok := strings.CutPrefix(tokenID, refreshTokenIDPrefix); ok {
		s.revokeGrant(ctx, family, "revoked by client")
		return nil
	}
	c, err := decodeAccessClaims(tokenID)
	if err != nil || c.ClientID != clientID {
		return nil
	}
	until := time.Unix(c.Expiry, 0)
	if err := s.Revocations.Revoke(ctx, "at:"+c.ID, until); err != nil {
		noteOutage(ctx, err)
		return oidc.ErrServerError().WithParent(err).WithDescription("cannot revoke now; retry")
	}
	return nil
}
