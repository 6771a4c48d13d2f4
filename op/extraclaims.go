package op

import (
	"context"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// ClaimsRequest describes the id token being built, for Storage.ExtraClaims.
type ClaimsRequest struct {
	UserID   string
	ClientID string
	// Scopes are the scopes the claims are for (op drops profile/email from
	// an id token issued with an access token).
	Scopes []string
	// AMR is the authentication methods of the login behind the token.
	AMR []string
}

// ExtraClaimsFunc adds claims to id tokens (e.g. "idp" for social logins).
// Standard claims it returns are ignored by op only if op sets them later,
// so hooks should use their own claim names.
type ExtraClaimsFunc func(ctx context.Context, req ClaimsRequest) (map[string]any, error)

// appendExtraClaims runs the ExtraClaims hook, if any.
func (s *Storage) appendExtraClaims(ctx context.Context, info *oidc.UserInfo, req zop.IDTokenRequest, scopes []string) error {
	if s.ExtraClaims == nil {
		return nil
	}
	var clientID string
	if aud := req.GetAudience(); len(aud) > 0 {
		clientID = aud[0]
	}
	claims, err := s.ExtraClaims(ctx, ClaimsRequest{UserID: req.GetSubject(), ClientID: clientID, Scopes: scopes, AMR: req.GetAMR()})
	if err != nil {
		return toOIDCError(ctx, err, "cannot build the token's claims")
	}
	for k, v := range claims {
		info.AppendClaims(k, v)
	}
	return nil
}
