package endpoints

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/login"
)

// VerifyIDTokenHint verifies end_session's id_token_hint with op's own
// verifier (the JWKS keys, the issuer), so the logout page judges the same
// token op will accept (login.HintVerifier).
//
// Admit's access tokens are signed with the same keys and would verify too:
// a token whose JOSE header says typ at+jwt (RFC 9068 2.1) is refused with
// login.ErrNotAnIDToken, so that the user is asked.
func (p *Protocol) VerifyIDTokenHint(ctx context.Context, token string) (login.IDTokenHint, error) {
	if jwtType(token) == "at+jwt" {
		return login.IDTokenHint{}, login.ErrNotAnIDToken
	}
	ctx = p.issuerContext(ctx)
	claims, err := zop.VerifyIDTokenHint[*oidc.IDTokenClaims](ctx, token, p.Provider.IDTokenHintVerifier(ctx))
	if err != nil && !errors.As(err, &zop.IDTokenHintExpiredError{}) {
		return login.IDTokenHint{}, err
	}
	return login.IDTokenHint{Subject: claims.Subject, SessionID: claims.SessionID, ClientID: claims.GetAuthorizedParty()}, nil
}

// jwtType is the typ of a compact JWS's protected header, lower-cased
// ("application/" prefix dropped, RFC 7515 4.1.9); "" when unreadable.
func jwtType(token string) string {
	head, _, ok := strings.Cut(token, ".")
	if !ok {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return ""
	}
	var h struct {
		Typ string `json:"typ"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(h.Typ), "application/")
}
