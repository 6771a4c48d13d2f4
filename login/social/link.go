package social

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"

	"github.com/admit-idp/admit/templates/i18n"
)

// pendingLink is an upstream account waiting to be linked to the existing
// account with the same verified e-mail, once the user proves it is theirs.
type pendingLink struct {
	Provider string  `json:"provider"`
	Profile  Profile `json:"profile"`
	UserID   string  `json:"user_id"`
}

// askToLink keeps the pending link in the flow and asks for the existing
// account's password.
func (m *Method) askToLink(w http.ResponseWriter, r *http.Request, f *login.Flow, p *provider, prof Profile, u storage.User, errMsg string, status int) {
	raw, err := json.Marshal(pendingLink{Provider: p.cfg.ID, Profile: prof, UserID: u.ID})
	if err == nil {
		f.Data[dataPending] = string(raw)
		err = m.Flows.PutLoginFlow(r.Context(), f.LoginFlow)
	}
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	csrf, err := m.Engine.Cookies.CSRFToken(w, r)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	v := templates.SocialLinkView{
		FlowID: f.ID, CSRFToken: csrf, ProviderName: p.name(), Email: u.Email,
		HasPassword: u.PasswordHash != "" && !u.Disabled, Error: errMsg,
	}
	login.Render(w, r, status, templates.SocialLinkPage(v))
}

func (m *Method) pending(f *login.Flow) (pendingLink, *provider, error) {
	var pl pendingLink
	if err := json.Unmarshal([]byte(f.Data[dataPending]), &pl); err != nil {
		return pendingLink{}, nil, errNoPending
	}
	p := m.provider(pl.Provider)
	if p == nil {
		return pendingLink{}, nil, errNoPending
	}
	return pl, p, nil
}

// linkSubmit checks the existing account's password; on success the
// upstream account is linked and the login finishes with both factors.
func (m *Method) linkSubmit(w http.ResponseWriter, r *http.Request) {
	f, ok := m.Engine.LoadFlow(w, r)
	if !ok {
		return
	}
	pl, p, err := m.pending(f)
	if err != nil {
		m.Engine.ErrorPage(w, r, http.StatusBadRequest, "social.nothing_to_link.title", "social.nothing_to_link.message")
		return
	}
	u, err := m.Users.GetUser(r.Context(), pl.UserID)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	if !m.Engine.Guard(w, r, f, login.Attempt{Action: "login", Identifier: u.Email, Lockable: true}) {
		return
	}
	match, err := m.passwordMatches(r, u, r.PostFormValue("password"))
	if err != nil {
		// No hash slot in time (a login surge): not a wrong password.
		m.Engine.Unavailable(w, r, err)
		return
	}
	if !match {
		if m.Engine.Fail(w, r, f, methodName, "bad_credentials") {
			m.askToLink(w, r, f, p, pl.Profile, u, "social.wrong_password", http.StatusUnauthorized)
		}
		return
	}
	if err := m.link(r.Context(), u.ID, p, pl.Profile); err != nil && !errors.Is(err, storage.ErrAlreadyExists) {
		m.Engine.Unavailable(w, r, err)
		return
	}
	delete(f.Data, dataPending)
	m.Logger.InfoContext(r.Context(), "social: identity linked after sign-in", "provider", p.cfg.ID, "user_id", u.ID)
	m.succeed(w, r, f, p, u.ID, pl.Profile, "pwd")
}

// passwordMatches verifies the password of an enabled account with one;
// the error is password.ErrBusy when no hash slot came free in time.
func (m *Method) passwordMatches(r *http.Request, u storage.User, pw string) (bool, error) {
	if pw == "" || u.PasswordHash == "" || u.Disabled {
		if err := m.Hasher.VerifyUnknownContext(r.Context(), pw); errors.Is(err, password.ErrBusy) {
			return false, err
		}
		return false, nil
	}
	_, err := m.Hasher.VerifyContext(r.Context(), pw, u.PasswordHash)
	if errors.Is(err, password.ErrBusy) {
		return false, err
	}
	if err != nil && !errors.Is(err, password.ErrMismatch) {
		m.Logger.ErrorContext(r.Context(), "social: stored hash unreadable", "user_id", u.ID, "error", err)
	}
	return err == nil, nil
}

// finishLink completes a link started from the account page: still the
// same signed-in user, and the upstream account not linked to anyone else.
func (m *Method) finishLink(w http.ResponseWriter, r *http.Request, f *login.Flow, p *provider, prof Profile) {
	s, found, err := m.Engine.Sessions.Current(r)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	if !found || s.UserID != f.Data[dataLinkUser] {
		m.back(w, r, f, http.StatusForbidden, i18n.T(r.Context(), "social.signed_out", "Provider", p.name()))
		return
	}
	msg := i18n.T(r.Context(), "social.notice.linked", "Provider", p.name())
	switch existing, err := m.Identities.GetIdentity(r.Context(), p.cfg.ID, prof.Subject); {
	case err == nil && existing.UserID == s.UserID:
		msg = i18n.T(r.Context(), "social.notice.already_linked", "Provider", p.name())
	case err == nil:
		msg = i18n.T(r.Context(), "social.notice.linked_elsewhere", "Provider", p.name())
	case !errors.Is(err, storage.ErrNotFound):
		m.Engine.Unavailable(w, r, err)
		return
	default:
		if err := m.link(r.Context(), s.UserID, p, prof); err != nil {
			m.Engine.Unavailable(w, r, err)
			return
		}
	}
	_ = m.Flows.DeleteLoginFlow(r.Context(), f.ID)
	m.Engine.RedirectWithNotice(w, r, account.PageSignIn.URL(), msg)
}
