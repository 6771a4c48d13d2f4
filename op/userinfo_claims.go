package op

import (
	"context"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// appendUserinfoExtraClaims runs the ExtraClaims hook for the userinfo
// endpoint, so claims a scope grants (e.g. "wallets" for the wallet scope)
// are answered there as in the id token.
func (s *Storage) appendUserinfoExtraClaims(ctx context.Context, info *oidc.UserInfo, c accessClaims) error {
	if s.ExtraClaims == nil {
		return nil
	}
	req := ClaimsRequest{UserID: c.Subject, ClientID: c.ClientID, Scopes: strings.Fields(c.Scope), AMR: c.AMR}
	claims, err := s.ExtraClaims(ctx, req)
	if err != nil {
		return toOIDCError(ctx, err, "cannot build the userinfo claims")
	}
	for k, v := range claims {
		info.AppendClaims(k, v)
	}
	return nil
}
