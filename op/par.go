package op

import (
	"context"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/storage"
)

// Pushed authorization requests (RFC 9126) and the dpop_jkt parameter
// (RFC 9449 §10): op/endpoints serves the PAR endpoint and, at /authorize,
// replaces a request_uri with the pushed parameters before zitadel parses
// them; it tells CreateAuthRequest through the context what zitadel's
// oidc.AuthRequest has no field for.

// authorizeExtras are the /authorize facts zitadel does not parse.
type authorizeExtras struct {
	pushed  bool
	dpopJKT string
}

type authorizeExtrasKey struct{}

// WithAuthorizeExtras records in ctx, for CreateAuthRequest, whether the
// request's parameters came from a pushed request (RFC 9126 §4) and the
// dpop_jkt binding the code to a DPoP key (RFC 9449 §10), validated by
// the caller ("" when absent).
func WithAuthorizeExtras(ctx context.Context, pushed bool, dpopJKT string) context.Context {
	return context.WithValue(ctx, authorizeExtrasKey{}, authorizeExtras{pushed: pushed, dpopJKT: dpopJKT})
}

func extrasOf(ctx context.Context) authorizeExtras {
	e, _ := ctx.Value(authorizeExtrasKey{}).(authorizeExtras)
	return e
}

// checkPushed refuses a request sent straight to /authorize by a client
// registered with require_pushed_authorization_requests (RFC 9126 §6: "the
// authorization server ... MUST reject authorization requests sent
// without a request_uri obtained from the PAR endpoint").
func checkPushed(ctx context.Context, c storage.Client) error {
	if c.RequirePushedAuthorizationRequests && !extrasOf(ctx).pushed {
		return oidc.ErrInvalidRequest().WithDescription("this client must push its authorization requests (PAR, RFC 9126) and send only client_id and request_uri")
	}
	return nil
}

// ValidatePushedRequest runs, at the PAR endpoint, the checks
// CreateAuthRequest makes beyond zitadel's (RFC 9126 §2.1: the request is
// validated as an authorization request would be): an active client, the
// PKCE policy and the response mode. zitadel's ValidateAuthRequest checks
// the rest (redirect URI, response type, scopes, prompt).
func (s *Storage) ValidatePushedRequest(ctx context.Context, req *oidc.AuthRequest) error {
	c, err := s.activeClient(ctx, req.ClientID)
	if err != nil {
		return toOIDCError(ctx, err, "unknown client")
	}
	if err := validatePKCE(c, req); err != nil {
		return err
	}
	return validateResponseMode(req.ResponseMode)
}
