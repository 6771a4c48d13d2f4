package social

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
)

// linkFlowLifetime bounds a link started from the account page.
const linkFlowLifetime = 15 * time.Minute

// Section is the account area's "Linked accounts": list, link, unlink.
type Section struct {
	Method *Method
	Area   *account.Area
}

var _ account.Section = (*Section)(nil)

// Mount adds /account/social/{provider}/link and /account/social/unlink.
func (s *Section) Mount(r chi.Router) {
	r.Get("/social/{provider}/link", s.linkStart)
	r.Post("/social/unlink", s.unlink)
}

// Section renders the user's linked providers and the others to link.
func (s *Section) Section(ctx context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	m := s.Method
	ids, err := m.Identities.ListUserIdentities(ctx, u.ID)
	if err != nil {
		m.Logger.ErrorContext(ctx, "social: list identities", "error", err)
		return templ.Raw(`<p class="alert alert-error">Linked accounts cannot be shown right now.</p>`)
	}
	v := templates.SocialSectionView{CSRFToken: csrf}
	linked := map[string]bool{}
	for _, id := range ids {
		linked[id.ProviderID] = true
		v.Linked = append(v.Linked, templates.LinkedIdentityView{
			ProviderID: id.ProviderID, ProviderName: m.displayName(id.ProviderID), Subject: id.Subject,
			Email: id.Email, CanUnlink: m.canUnlink(ctx, u, ids),
		})
	}
	for _, p := range m.providers {
		if !linked[p.cfg.ID] {
			v.Available = append(v.Available, m.button(p, "/account/social/"+p.cfg.ID+"/link"))
		}
	}
	return templates.SocialSection(v)
}

// canUnlink: an identity may go unless it is the user's only way to sign in:
// another identity, or whatever OtherSignIn counts (a password, passkeys,
// wallets; the app's one rule), keeps the account reachable.
func (m *Method) canUnlink(ctx context.Context, u storage.User, ids []storage.Identity) bool {
	if len(ids) > 1 {
		return true
	}
	if m.OtherSignIn == nil {
		return u.PasswordHash != ""
	}
	ok, err := m.OtherSignIn(ctx, u)
	return err == nil && ok
}

func (m *Method) displayName(id string) string {
	if p := m.provider(id); p != nil {
		return p.name()
	}
	return id // a provider removed from the configuration
}

// linkStart sends a signed-in user (with a recent login: linking adds a way
// into the account) to the provider; the callback links the identity.
func (s *Section) linkStart(w http.ResponseWriter, r *http.Request) {
	m := s.Method
	p := m.provider(chi.URLParam(r, "provider"))
	if p == nil {
		m.unknownProvider(w, r)
		return
	}
	if crossSite(r) {
		http.Redirect(w, r, account.PageSignIn.URL(), http.StatusSeeOther)
		return
	}
	u, sess, ok := s.Area.Current(w, r)
	if !ok || !s.Area.RequireRecentLogin(w, r, sess, r.URL.Path) {
		return
	}
	f, err := m.linkFlow(r.Context(), u.ID)
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	m.redirect(w, r, f, p)
}

// linkFlow is a flow of its own (no authorization request) that only
// carries the state of one link.
func (m *Method) linkFlow(ctx context.Context, userID string) (*login.Flow, error) {
	id, err := randomToken()
	if err != nil {
		return nil, err
	}
	now := m.now()
	lf := storage.LoginFlow{
		ID: id[:32], Data: map[string]string{dataLinkUser: userID}, CreatedAt: now, ExpiresAt: now.Add(linkFlowLifetime),
	}
	return &login.Flow{LoginFlow: lf}, nil
}

// unlink removes an identity unless it is the last way to sign in.
func (s *Section) unlink(w http.ResponseWriter, r *http.Request) {
	m := s.Method
	if !m.Engine.Cookies.CheckCSRF(r) {
		m.Engine.ErrorPage(w, r, http.StatusForbidden, "error.csrf.title", "error.csrf.message")
		return
	}
	u, _, ok := s.Area.Current(w, r)
	if !ok {
		return
	}
	msg, err := m.unlink(r.Context(), u, r.PostFormValue("provider"), r.PostFormValue("subject"))
	if err != nil {
		m.Engine.Unavailable(w, r, err)
		return
	}
	s.Area.Engine.RedirectWithNotice(w, r, account.PageSignIn.URL(), msg)
}

func (m *Method) unlink(ctx context.Context, u storage.User, providerID, subject string) (string, error) {
	ids, err := m.Identities.ListUserIdentities(ctx, u.ID)
	if err != nil {
		return "", err
	}
	if !m.canUnlink(ctx, u, ids) {
		return "social.err.last_method", nil
	}
	err = m.Identities.DeleteIdentity(ctx, u.ID, providerID, subject)
	if errors.Is(err, storage.ErrNotFound) {
		return "social.err.not_linked", nil
	}
	if err != nil {
		return "", err
	}
	return m.displayName(providerID) + " is no longer linked.", nil
}

// Page implements account.Placed.
func (*Section) Page() account.Page { return account.PageSignIn }
