package social

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"

	"github.com/admit-idp/admit/templates/i18n"
)

// callback is where the provider sends the browser back.
func (m *Method) callback(w http.ResponseWriter, r *http.Request) {
	p := m.provider(chi.URLParam(r, "provider"))
	if p == nil {
		m.unknownProvider(w, r)
		return
	}
	q := r.URL.Query()
	f, ok := m.Engine.FlowByID(w, r, flowOfState(q.Get("state")))
	if !ok {
		return
	}
	sec, err := m.consume(r, f, p, q.Get("state"))
	if err != nil {
		m.badState(w, r, err)
		return
	}
	if e := q.Get("error"); e != "" {
		m.providerError(w, r, f, p, e)
		return
	}
	prof, err := p.up.exchange(r.Context(), callback{Code: q.Get("code"), User: q.Get("user")}, sec)
	if err != nil {
		m.upstreamFailed(w, r, f, p, err)
		return
	}
	if f.Data[dataLinkUser] != "" {
		m.finishLink(w, r, f, p, prof)
		return
	}
	m.signIn(w, r, f, p, prof)
}

func (m *Method) badState(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, errBadState) {
		m.Engine.Unavailable(w, r, err)
		return
	}
	m.Logger.WarnContext(r.Context(), "social: callback refused", "reason", err)
	m.Engine.ErrorPage(w, r, http.StatusBadRequest, "social.bad_state.title", "social.bad_state.message")
}

// providerError: the provider (or the user there) declined.
func (m *Method) providerError(w http.ResponseWriter, r *http.Request, f *login.Flow, p *provider, code string) {
	msg := i18n.T(r.Context(), "social.provider_error", "Provider", p.name())
	if code == "access_denied" {
		msg = i18n.T(r.Context(), "social.cancelled", "Provider", p.name())
	}
	if m.Engine.LoginFailed != nil {
		m.Engine.LoginFailed(r, methodName, "provider_error")
	}
	m.back(w, r, f, http.StatusBadRequest, msg)
}

// upstreamFailed distinguishes an unavailable provider (breaker, timeout,
// 5xx) from a response Admit does not accept.
func (m *Method) upstreamFailed(w http.ResponseWriter, r *http.Request, f *login.Flow, p *provider, err error) {
	m.Logger.WarnContext(r.Context(), "social: provider call failed", "provider", p.cfg.ID, "error", err)
	if errors.Is(err, errUnavailable) {
		m.back(w, r, f, http.StatusServiceUnavailable, i18n.T(r.Context(), "social.provider_unavailable", "Provider", p.name()))
		return
	}
	msg := i18n.T(r.Context(), "social.not_verified", "Provider", p.name())
	if errors.Is(err, errWrongDomain) {
		msg = i18n.T(r.Context(), "social.wrong_domain", "Provider", p.name())
	}
	if m.Engine.Fail(w, r, f, methodName, "provider_rejected") {
		m.back(w, r, f, http.StatusBadRequest, msg)
	}
}

// back returns to where the flow came from with a message: the login page,
// or the account page for a link started there.
func (m *Method) back(w http.ResponseWriter, r *http.Request, f *login.Flow, status int, msg string) {
	if f.Data[dataLinkUser] != "" {
		_ = m.Flows.DeleteLoginFlow(r.Context(), f.ID)
		m.Engine.RedirectWithNotice(w, r, account.PageSignIn.URL(), msg)
		return
	}
	m.Engine.RenderLogin(w, r, f, status, "", msg)
}

// signIn finishes a login with the user linked to the upstream account, or
// handles a first login.
func (m *Method) signIn(w http.ResponseWriter, r *http.Request, f *login.Flow, p *provider, prof Profile) {
	id, err := m.Identities.GetIdentity(r.Context(), p.cfg.ID, prof.Subject)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		m.firstLogin(w, r, f, p, prof)
	case err != nil:
		m.Engine.Unavailable(w, r, err)
	default:
		m.succeed(w, r, f, p, id.UserID, prof)
	}
}

func (m *Method) succeed(w http.ResponseWriter, r *http.Request, f *login.Flow, p *provider, userID string, prof Profile, amr ...string) {
	u, err := m.Users.GetUser(r.Context(), userID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		m.Engine.Unavailable(w, r, err)
		return
	}
	if err != nil || u.Disabled {
		m.back(w, r, f, http.StatusForbidden, i18n.T(r.Context(), "social.disabled"))
		return
	}
	if err := m.Identities.TouchIdentity(r.Context(), p.cfg.ID, prof.Subject, verifiedEmail(prof), m.now()); err != nil {
		m.Logger.WarnContext(r.Context(), "social: touch identity", "provider", p.cfg.ID, "error", err)
	}
	amr = append(amr, AMRExternal, AMRProviderPrefix+p.cfg.ID)
	m.Engine.Succeed(w, r, f, methodName, u.ID, amr...)
}

// verifiedEmail is the profile's e-mail if the provider verified it.
func verifiedEmail(p Profile) string {
	if !p.EmailVerified {
		return ""
	}
	return password.NormaliseEmail(p.Email)
}

// firstLogin: no account is linked to this upstream account yet. A matching
// verified e-mail never links silently: the user must sign in to that
// account first. Otherwise a new account is created, if sign-up is allowed.
func (m *Method) firstLogin(w http.ResponseWriter, r *http.Request, f *login.Flow, p *provider, prof Profile) {
	email := verifiedEmail(prof)
	if email == "" {
		m.back(w, r, f, http.StatusForbidden, p.name()+" did not confirm a verified e-mail address for this account, so it cannot be used to create an account or be matched to an existing one. Verify your e-mail address with "+p.name()+", or sign in another way.")
		return
	}
	u, err := m.Users.GetUserByEmail(r.Context(), f.TenantID, email)
	switch {
	case err == nil:
		m.askToLink(w, r, f, p, prof, u, "", http.StatusOK)
	case !errors.Is(err, storage.ErrNotFound):
		m.Engine.Unavailable(w, r, err)
	case !m.signUp || !f.MayCreateAccounts():
		m.back(w, r, f, http.StatusForbidden, i18n.T(r.Context(), "social.no_account", "Provider", p.name()))
	default:
		m.signUpWith(w, r, f, p, prof, email)
	}
}

// signUpWith creates the account and its identity, then signs in.
func (m *Method) signUpWith(w http.ResponseWriter, r *http.Request, f *login.Flow, p *provider, prof Profile, email string) {
	now := m.now()
	u := storage.User{
		ID: uuid.NewString(), TenantID: f.TenantID, Email: email, EmailVerified: true, GivenName: prof.GivenName, FamilyName: prof.FamilyName,
		CreatedAt: now, UpdatedAt: now,
	}
	err := m.Users.CreateUser(r.Context(), u)
	if errors.Is(err, storage.ErrAlreadyExists) { // created meanwhile: treat as existing
		m.firstLogin(w, r, f, p, prof)
		return
	}
	if err == nil {
		err = m.link(r.Context(), u.ID, p, prof)
	}
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	m.Logger.InfoContext(r.Context(), "social: account created", "provider", p.cfg.ID, "user_id", u.ID)
	m.succeed(w, r, f, p, u.ID, prof)
}

func (m *Method) link(ctx context.Context, userID string, p *provider, prof Profile) error {
	now := m.now()
	return m.Identities.CreateIdentity(ctx, storage.Identity{
		ProviderID: p.cfg.ID, Subject: prof.Subject, UserID: userID, Email: verifiedEmail(prof),
		CreatedAt: now, LastUsedAt: now,
	})
}
