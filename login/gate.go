package login

import (
	"errors"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/admit-idp/admit/storage"
)

// sessionGated applies Engine.Gate (e.g. "this client needs a confirmed
// e-mail address") to a request answered from an SSO session, as the
// password method applies it to a fresh login: a session must not bypass
// it. It reports true when it has answered.
//
// A session whose user is gone or disabled is ended, and the login page is
// shown instead.
func (e *Engine) sessionGated(w http.ResponseWriter, r *http.Request, f *Flow, s storage.Session) bool {
	u, err := e.Users.GetUser(r.Context(), s.UserID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.Disabled) {
		return e.endStaleSession(w, r, f)
	}
	if err != nil {
		e.Unavailable(w, r, err)
		return true
	}
	if u.TenantSuspended() {
		e.tenantSuspendedPage(w, r)
		return true
	}
	if u.TenantID != f.TenantID {
		return e.loginInstead(w, r, f) // the session is another tenant's: keep it, ask for this one
	}
	if e.Gate == nil {
		return false
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

// endStaleSession drops the browser's session and shows the login page.
func (e *Engine) endStaleSession(w http.ResponseWriter, r *http.Request, f *Flow) bool {
	if err := e.Sessions.End(w, r); err != nil {
		e.Unavailable(w, r, err)
		return true
	}
	return e.loginInstead(w, r, f)
}

// loginInstead shows the login page (or answers login_required to
// prompt=none) for a request a session could not answer.
func (e *Engine) loginInstead(w http.ResponseWriter, r *http.Request, f *Flow) bool {
	if slices.Contains(f.Request.Prompt, oidc.PromptNone) {
		e.Errors.RedirectError(w, r, f.Request, oidc.ErrLoginRequired())
		return true
	}
	if err := e.Flows.PutLoginFlow(r.Context(), f.LoginFlow); err != nil {
		e.Unavailable(w, r, err)
		return true
	}
	e.RenderLogin(w, r, f, http.StatusOK, "", "")
	return true
}
