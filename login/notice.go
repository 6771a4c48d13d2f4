package login

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/admit-idp/admit/templates/i18n"
)

// noticeCookie carries a one-time confirmation to the next page.
const noticeCookie = "admit_notice"

// RedirectWithNotice sends the browser to path, one of Admit's pages, which
// shows msg (a catalog message id, or translated text) once (TakeNotice). The message travels in a short-lived,
// HttpOnly cookie rather than in the URL: a link someone sends must not
// make Admit's pages show text of their choosing.
func (e *Engine) RedirectWithNotice(w http.ResponseWriter, r *http.Request, path, msg string) {
	e.Cookies.Set(w, noticeCookie, base64.RawURLEncoding.EncodeToString([]byte(msg)), time.Minute)
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// TakeNotice returns the pending notice, if any, and clears it.
func (e *Engine) TakeNotice(w http.ResponseWriter, r *http.Request) string {
	v := e.Cookies.Get(r, noticeCookie)
	if v == "" {
		return ""
	}
	e.Cookies.Clear(w, noticeCookie)
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return ""
	}
	// A message id (what most handlers pass) is shown in the language of
	// the page that takes it.
	return i18n.Text(r.Context(), string(b))
}
