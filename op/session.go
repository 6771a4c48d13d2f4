package op

import (
	"context"

	zop "github.com/zitadel/oidc/v3/pkg/op"
)

// TerminateSession is op's plain logout hook; Admit implements the richer
// TerminateSessionFromRequest below, so this only exists for the interface.
func (s *Storage) TerminateSession(context.Context, string, string) error { return nil }

// TerminateSessionFromRequest ends an RP-initiated logout (OIDC RP-Initiated
// Logout 1.0). The browser session lives in a cookie op does not see, so the
// logout is finished by Admit's logout page, which clears the session and
// cookie and then redirects to the post-logout URI op has validated.
func (s *Storage) TerminateSessionFromRequest(ctx context.Context, req *zop.EndSessionRequest) (string, error) {
	return s.LogoutURL(ctx, req.RedirectURI), nil
}
