package op

import (
	"context"
	"errors"
	"strings"
	"time"
)

// AccessToken is a verified access token, as resource servers inside Admit
// (the admin API) see it.
type AccessToken struct {
	ID       string
	Subject  string
	ClientID string
	TenantID string
	Scopes   []string
	GrantID  string
	Expiry   time.Time
	IssuedAt time.Time
	// User reports whether the token was issued to a user (an
	// authorization-code or refresh grant) rather than to the client itself
	// (client_credentials). A client_credentials token is about the client
	// (sub = client_id) and has no auth_time; anything else is a user's, so
	// a missing auth_time can never turn a user's token into the client's.
	User bool
}

// ErrTokenRevoked: the token verified but was revoked.
var ErrTokenRevoked = errors.New("op: access token revoked")

// ErrInvalidToken: the token is malformed, not signed by a current key, of
// another issuer, or expired.
var ErrInvalidToken = errInvalidAccessToken

// VerifyAccessToken checks an access token minted by this provider:
// signature against the published keys, type at+jwt, issuer, expiry and the
// revocation list. Errors: ErrInvalidToken, ErrTokenRevoked, or a storage
// error (retryable) when the revocation list cannot be read.
//
// These resource servers take Bearer tokens only: a DPoP-bound token
// (cnf.jkt) is ErrInvalidToken, since accepting it without a proof of its
// key would undo its sender constraint (RFC 9449 §7.2).
func (s *Storage) VerifyAccessToken(ctx context.Context, token string) (AccessToken, error) {
	c, _, err := s.verifyAccessToken(ctx, token)
	if err != nil {
		return AccessToken{}, err
	}
	if c.Cnf != nil {
		return AccessToken{}, ErrInvalidToken
	}
	if err := s.checkNotRevoked(ctx, c); err != nil {
		return AccessToken{}, err
	}
	return AccessToken{
		ID: c.ID, Subject: c.Subject, ClientID: c.ClientID, TenantID: c.TenantID, Scopes: strings.Fields(c.Scope),
		GrantID: c.GrantID, Expiry: time.Unix(c.Expiry, 0), IssuedAt: time.Unix(c.IssuedAt, 0),
		User: c.AuthTime != 0 || c.Subject != c.ClientID,
	}, nil
}
