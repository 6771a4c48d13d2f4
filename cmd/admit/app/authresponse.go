package app

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/storage"
)

// authResponse answers a completed authorization request in the browser's
// own request: op issues the code and redirects (or form-posts) to the
// client. op's public /authorize/callback?id= is closed (see routes.go):
// otherwise anyone who learnt a request ID could collect its code. The
// request is deleted afterwards, so it yields exactly one code.
func (a *App) authResponse(w http.ResponseWriter, r *http.Request, id string) {
	r = r.WithContext(a.issuerContext(r.Context()))
	req, err := a.Provider.Storage().AuthRequestByID(r.Context(), id)
	if err != nil {
		a.authResponseFailed(w, r, err)
		return
	}
	if req.GetResponseMode() == oidc.ResponseModeFormPost {
		allowFormPost(w, req.GetRedirectURI())
	}
	a.respondWithIss(w, r, req)
	if err := a.Stores.Ephemeral.DeleteAuthRequest(r.Context(), id); err != nil {
		a.Logger.WarnContext(r.Context(), "deleting an answered authorization request", "error", err)
	}
}

func (a *App) authResponseFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, storage.ErrUnavailable) {
		a.Engine.Unavailable(w, r, err)
		return
	}
	a.Engine.ErrorPage(w, r, http.StatusBadRequest, "This sign-in link has expired",
		"Go back to the application and start signing in again.")
}

// allowFormPost replaces the page CSP for op's form_post page, whose only
// script is the inline onload that submits the (escaped) code to the
// client's registered redirect URI.
func allowFormPost(w http.ResponseWriter, redirectURI string) {
	origin := "'none'"
	if u, err := url.Parse(redirectURI); err == nil && u.Host != "" {
		origin = u.Scheme + "://" + u.Host
	}
	w.Header().Set("Content-Security-Policy",
		"default-src 'none'; script-src 'unsafe-inline'; form-action "+origin+"; frame-ancestors 'none'; base-uri 'none'")
}

// closedCallback answers op's /authorize/callback, which Admit does not use.
func closedCallback(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "not found", http.StatusNotFound)
}
