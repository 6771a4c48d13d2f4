package login

import (
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/storage"
)

// sessionGated applies Engine.Gate (e.g. "this client needs a confirmed
// e-mail address") to a request answered from an SSO session, as the
// password method applies it to a fresh login: a session must not bypass
// it. It reports true when it has answered.
func (e *Engine) sessionGated(w http.ResponseWriter, r *http.Request, f *Flow, s storage.Session) bool {
	if e.Gate == nil {
		return false
	}
	u, err := e.Users.GetUser(r.Context(), s.UserID)
	if err != nil {
		e.Unavailable(w, r, err)
		return true
	}
	msg := e.Gate(f, u)
	if msg == "" {
		return false
	}
	if slices.Contains(f.Request.Prompt, oidc.PromptNone) {
		e.Errors.RedirectError(w, r, f.Request, oidc.ErrLoginRequired().WithDescription("the account does not meet this client's requirements"))
		return true
	}
	if err := e.Flows.PutLoginFlow(r.Context(), f.LoginFlow); err != nil {
		e.Unavailable(w, r, err)
		return true
	}
	e.RenderLogin(w, r, f, http.StatusForbidden, u.Email, msg)
	return true
}
