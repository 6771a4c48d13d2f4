package endpoints

import (
	"context"
	"errors"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/login"
)

// VerifyIDTokenHint verifies end_session's id_token_hint with op's own
// verifier (the JWKS keys, the issuer), so the logout page judges the same
// token op will accept (login.HintVerifier).
func (p *Protocol) VerifyIDTokenHint(ctx context.Context, token string) (login.IDTokenHint, error) {
	ctx = p.issuerContext(ctx)
	claims, err := zop.VerifyIDTokenHint[*oidc.IDTokenClaims](ctx, token, p.Provider.IDTokenHintVerifier(ctx))
	if err != nil && !errors.As(err, &zop.IDTokenHintExpiredError{}) {
		return login.IDTokenHint{}, err
	}
	return login.IDTokenHint{Subject: claims.Subject, SessionID: claims.SessionID, ClientID: claims.GetAuthorizedParty()}, nil
}
