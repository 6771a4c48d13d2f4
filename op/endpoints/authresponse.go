package endpoints

import (
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	zop "github.com/zitadel/oidc/v3/pkg/op"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
)

// Respond answers a completed authorization request in the browser's
// own request: op issues the code and redirects (or form-posts) to the
// client, through login.DeliverToClient so that the answer reaches the
// client after a form POST whatever its callback does next. op's public /authorize/callback?id= is closed (ClosedCallback):
// otherwise anyone who learnt a request ID could collect its code. The
// request is deleted afterwards, so it yields exactly one code.
func (p *Protocol) Respond(w http.ResponseWriter, r *http.Request, id string) {
	r = r.WithContext(p.issuerContext(r.Context()))
	req, err := p.Provider.Storage().AuthRequestByID(r.Context(), id)
	if err != nil {
		p.Pages.RequestGone(w, r, err)
		return
	}
	login.DeliverToClient(w, r, answersClientNavigation(r), func(w http.ResponseWriter) {
		p.respondWithIss(w, r, req)
	})
	if err := p.AuthRequests.DeleteAuthRequest(r.Context(), id); err != nil {
		p.Logger.WarnContext(r.Context(), "deleting an answered authorization request", "error", err)
	}
}

// answersClientNavigation reports whether r is the navigation the client
// started: /authorize, or the login start op sends it on to, which answers
// from the SSO session (prompt=none included, possibly in a hidden iframe,
// where a page could not render under frame-ancestors 'none'). No form of
// Admit's precedes it, so op's redirect goes out as it is; every other
// request answers through a ContinuePage (login.DeliverToClient).
func answersClientNavigation(r *http.Request) bool {
	return r.Method == http.MethodGet && (r.URL.Path == AuthorizePath || r.URL.Path == login.StartPath)
}

// ClosedCallback answers op's /authorize/callback, which Admit does not use.
func ClosedCallback(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "not found", http.StatusNotFound)
}

// RedirectError sends protocol errors to the client through op, which
// honours response_mode and the state, adding iss (RFC 9207); it is the
// login engine's ErrorRedirector.
func (p *Protocol) RedirectError(w http.ResponseWriter, r *http.Request, req storage.AuthRequest, err *oidc.Error) {
	login.DeliverToClient(w, r, answersClientNavigation(r), func(w http.ResponseWriter) {
		zop.AuthRequestError(w, r, errAuthRequest{req}, err, withIss(p.Provider, p.Issuer))
	})
}

type errAuthRequest struct{ storage.AuthRequest }

func (e errAuthRequest) GetRedirectURI() string             { return e.RedirectURI }
func (e errAuthRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseType(e.ResponseType) }
func (e errAuthRequest) GetState() string                   { return e.State }
func (e errAuthRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(e.ResponseMode) }
