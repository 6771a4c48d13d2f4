package app

import (
	"net/http"

	"github.com/admit-idp/admit/login"
)

// authResponse answers a completed authorization request in the browser's
// own request: op issues the code and redirects (or form-posts) to the
// client, through login.DeliverToClient so that the answer reaches the
// client after a form POST whatever its callback does next. op's public /authorize/callback?id= is closed (see routes.go):
// otherwise anyone who learnt a request ID could collect its code. The
// request is deleted afterwards, so it yields exactly one code.
func (a *App) authResponse(w http.ResponseWriter, r *http.Request, id string) {
	r = r.WithContext(a.issuerContext(r.Context()))
	req, err := a.Provider.Storage().AuthRequestByID(r.Context(), id)
	if err != nil {
		a.Engine.RequestGone(w, r, err)
		return
	}
	login.DeliverToClient(w, r, answersClientNavigation(r), func(w http.ResponseWriter) {
		a.respondWithIss(w, r, req)
	})
	if err := a.Stores.Ephemeral.DeleteAuthRequest(r.Context(), id); err != nil {
		a.Logger.WarnContext(r.Context(), "deleting an answered authorization request", "error", err)
	}
}

// answersClientNavigation reports whether r is the navigation the client
// started: /authorize, or the login start op sends it on to, which answers
// from the SSO session (prompt=none included, possibly in a hidden iframe,
// where a page could not render under frame-ancestors 'none'). No form of
// Admit's precedes it, so op's redirect goes out as it is; every other
// request answers through a ContinuePage (login.DeliverToClient).
func answersClientNavigation(r *http.Request) bool {
	return r.Method == http.MethodGet && (r.URL.Path == authorizePath || r.URL.Path == login.StartPath)
}

// closedCallback answers op's /authorize/callback, which Admit does not use.
func closedCallback(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "not found", http.StatusNotFound)
}
