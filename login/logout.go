package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/admit-idp/admit/templates"
)

// Logout finishes RP-initiated logout: op validates the end_session request
// and its post_logout_redirect_uri, then sends the browser here with that URI
// signed, because only this handler can see and clear the session cookie.
type Logout struct {
	Sessions *Sessions
	// Key signs the redirect so this endpoint cannot become an open redirect.
	Key    []byte
	Engine *Engine
}

// URL returns the signed logout URL that ends at redirectURI ("" or op's
// default: Admit's signed-out page).
func (l *Logout) URL(redirectURI string) string {
	q := url.Values{"to": {redirectURI}, "sig": {l.sign(redirectURI)}}
	return "/logout?" + q.Encode()
}

func (l *Logout) sign(to string) string {
	m := hmac.New(sha256.New, l.Key)
	m.Write([]byte("logout\x00" + to))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ServeHTTP ends the browser session and redirects.
func (l *Logout) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	to, sig := r.URL.Query().Get("to"), r.URL.Query().Get("sig")
	if !hmac.Equal([]byte(sig), []byte(l.sign(to))) {
		l.Engine.ErrorPage(w, r, http.StatusBadRequest, "Invalid sign-out link",
			"This sign-out link is not valid. To sign out, use the application's sign-out button.")
		return
	}
	if err := l.Sessions.End(w, r); err != nil {
		l.Engine.Unavailable(w, r, err)
		return
	}
	if to == "" || to == SignedOutPath {
		render(w, r, http.StatusOK, templates.MessagePage(templates.MessageView{Title: "You are signed out", Message: "You can close this window."}))
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// SignedOutPath is op's default post-logout page.
const SignedOutPath = "/logged-out"

// SignedOut renders the signed-out page (op's DefaultLogoutRedirectURI).
func SignedOut(w http.ResponseWriter, r *http.Request) {
	render(w, r, http.StatusOK, templates.MessagePage(templates.MessageView{Title: "You are signed out", Message: "You can close this window."}))
}
