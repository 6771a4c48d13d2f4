package op

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Back-Channel Logout (OpenID Connect Back-Channel Logout 1.0).
const (
	// LogoutTokenType is the JWT "typ" of a logout token (§2.4: "explicitly
	// typed ... logout+jwt", as RFC 8725 §3.11 recommends).
	LogoutTokenType = "logout+jwt"
	// BackChannelLogoutEvent is the one member of a logout token's "events"
	// claim (§2.4).
	BackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"
	// logoutTokenLifetime bounds a logout token's "exp" (§2.4 recommends at
	// most two minutes).
	logoutTokenLifetime = 2 * time.Minute
)

// logoutClaims are the claims of §2.4. "nonce" is prohibited and absent.
type logoutClaims struct {
	Issuer   string                     `json:"iss"`
	Subject  string                     `json:"sub,omitempty"`
	Audience string                     `json:"aud"`
	IssuedAt int64                      `json:"iat"`
	Expiry   int64                      `json:"exp"`
	JWTID    string                     `json:"jti"`
	Events   map[string]json.RawMessage `json:"events"`
	SID      string                     `json:"sid,omitempty"`
}

// LogoutToken returns a signed logout token for clientID (§2.4): the same
// signing key and algorithm as the ID tokens the client verifies, "typ"
// logout+jwt, "sub" and/or "sid" (at least one is required; the caller
// passes the session ID when the client registered
// backchannel_logout_session_required, §2.2), and a fresh "jti" so the RP
// can reject a replay. It is signed at delivery, so a retried delivery
// carries a new token with a fresh iat/exp.
func (s *Storage) LogoutToken(ctx context.Context, clientID, subject, sid string) (string, error) {
	if subject == "" && sid == "" {
		return "", fmt.Errorf("op: logout token for %s: neither sub nor sid", clientID)
	}
	now := s.now()
	claims := logoutClaims{
		Issuer: s.Issuer, Subject: subject, Audience: clientID, IssuedAt: now.Unix(),
		Expiry: now.Add(logoutTokenLifetime).Unix(), JWTID: uuid.NewString(), SID: sid,
		Events: map[string]json.RawMessage{BackChannelLogoutEvent: json.RawMessage(`{}`)},
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("op: encode logout token: %w", err)
	}
	key, err := s.Keys.SigningKey(ctx)
	if err != nil {
		return "", fmt.Errorf("op: logout token: no signing key: %w", err)
	}
	return key.Sign(payload, LogoutTokenType)
}
