package selfservice

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

func sectionTitle(t string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<h2 class="subheading">`+templ.EscapeString(t)+"</h2>")
		return err
	})
}

// PasswordSection changes the password: the current one is required and
// the login must be recent; other sessions and all refresh tokens end.
type PasswordSection struct{ *Service }

var _ account.Section = PasswordSection{}

// Page implements account.Placed.
func (PasswordSection) Page() account.Page { return account.PageSecurity }

func (p PasswordSection) view(ctx context.Context, u storage.User) templates.FormView {
	return templates.FormView{
		Action: "/account/password", Submit: i18n.T(ctx, "account.password.change"), TestID: "password-form",
		Intro:     i18n.T(ctx, "account.password.intro"),
		MinLength: p.Policy.MinLength, MaxLength: p.Policy.MaxLength,
		Fields: []templates.Field{
			{Name: "current_password", Label: i18n.T(ctx, "account.password.current"), Type: "password", Autocomplete: "current-password", Required: true},
			{Name: "new_password", Label: i18n.T(ctx, "account.password.new"), Type: "password", Autocomplete: "new-password", Required: true, Policy: true,
				Hint: i18n.T(ctx, "account.password.hint", "Min", p.Policy.MinLength)},
		},
	}
}

// Section implements account.Section. An account without a password
// (wallet, passkey or linked-account sign-in only) is told how it can get
// one: through the reset mail when it has an e-mail address, after adding
// one otherwise.
func (p PasswordSection) Section(ctx context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	title := sectionTitle(i18n.T(ctx, "account.password.title"))
	if u.PasswordHash == "" {
		v := templates.FormView{TestID: "password-none"}
		if u.Email != "" {
			v.Intro = i18n.T(ctx, "account.password.none_email")
			v.Links = []templates.Link{{Href: "/login/forgot", Label: i18n.T(ctx, "account.password.set_link"), TestID: "password-set"}}
		} else {
			v.Intro = i18n.T(ctx, "account.password.none_no_email")
			v.Links = []templates.Link{{Href: account.PageProfile.URL() + "#email-form", Label: i18n.T(ctx, "account.email.add"), TestID: "password-add-email"}}
		}
		return templ.Join(title, templates.Form(v))
	}
	v, ok := account.InlineForm(ctx, "password-form")
	if !ok {
		v = p.view(ctx, u)
	}
	v.CSRFToken = csrf
	return templ.Join(title, templates.Form(v))
}

// Mount implements account.Section.
func (p PasswordSection) Mount(r chi.Router) {
	r.Get("/password", p.page)
	r.Post("/password", p.change)
}

// page is the old address of the form: it lives on the security page now.
func (p PasswordSection) page(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, account.PageSecurity.URL()+"#password-form", http.StatusSeeOther)
}

func (p PasswordSection) change(w http.ResponseWriter, r *http.Request) {
	u, sess, ok := p.begin(w, r)
	if !ok || !p.Area.RequireRecentLogin(w, r, sess, account.PageSecurity.URL()) {
		return
	}
	ctx := r.Context()
	// fail shows the security page again with the problem said once, under
	// its field, and a summary above the form; passwords are never echoed.
	fail := func(status int, field, msg string) {
		v := p.view(ctx, u)
		v.Error = i18n.T(ctx, "account.form.problem")
		for i := range v.Fields {
			if v.Fields[i].Name == field {
				v.Fields[i].Error = msg
			}
		}
		p.Area.ShowForm(w, r, status, account.PageSecurity, v)
	}
	if ok, answered := p.Area.CheckPassword(w, r, u, r.PostFormValue("current_password")); !ok {
		if !answered {
			fail(http.StatusUnauthorized, "current_password", i18n.T(ctx, "account.password.wrong"))
		}
		return
	}
	pw := r.PostFormValue("new_password")
	if problem := p.Policy.CheckIn(ctx, pw, u.Email); problem != "" {
		fail(http.StatusBadRequest, "new_password", problem)
		return
	}
	if err := p.setPassword(ctx, u, pw, sess.ID); err != nil {
		p.Engine.Unavailable(w, r, err)
		return
	}
	p.audit(ctx, "password_changed", u.ID)
	p.Engine.RedirectWithNotice(w, r, account.PageSecurity.URL(), i18n.T(ctx, "account.password.changed"))
}

// SessionsSection lists active sessions and signs them out.
type SessionsSection struct{ *Service }

var _ account.Section = SessionsSection{}

// Page implements account.Placed.
func (SessionsSection) Page() account.Page { return account.PageDevices }

// Section implements account.Section: one page of sessions (newest
// first, account.ListPageSize at a time), the current one first.
func (p SessionsSection) Section(ctx context.Context, u storage.User, cur storage.Session, csrf string) templ.Component {
	after := account.ListCursor(ctx, "sessions")
	page, err := p.Store.ListUserSessions(ctx, u.ID, storage.PageRequest{After: after, Limit: account.ListPageSize})
	if errors.Is(err, storage.ErrBadCursor) { // an edited link: show the newest
		after = ""
		page, err = p.Store.ListUserSessions(ctx, u.ID, storage.PageRequest{Limit: account.ListPageSize})
	}
	if err != nil {
		p.Logger.ErrorContext(ctx, "accounts: list sessions", "error", err)
	}
	v := templates.AccountListView{CSRFToken: csrf}
	if after == "" && cur.ID != "" { // the one the user recognises
		v.Sessions = append(v.Sessions, p.sessionItem(ctx, cur, true))
	} else if after != "" {
		v.Newest = account.MoreURL("sessions", "")
	}
	for _, s := range page.Items {
		if s.ID != cur.ID {
			v.Sessions = append(v.Sessions, p.sessionItem(ctx, s, false))
		}
	}
	if page.Next != "" {
		v.Older = account.MoreURL("sessions", page.Next)
	}
	return templates.SessionsSection(v)
}

// sessionItem names a session by its browser ("Chrome on Windows"),
// never by its raw user agent.
func (p SessionsSection) sessionItem(ctx context.Context, s storage.Session, current bool) templates.SessionItem {
	return templates.SessionItem{
		ID: s.ID, Device: account.DeviceName(ctx, s.UserAgent, ""), IP: s.IP, Current: current,
		LastSeen: account.Ago(ctx, p.Now(), s.LastSeenAt), SignedIn: account.Ago(ctx, p.Now(), s.AuthTime),
	}
}

// Mount implements account.Section.
func (p SessionsSection) Mount(r chi.Router) {
	r.Post("/sessions/revoke", p.revoke)
	r.Post("/sessions/revoke-others", p.revokeOthers)
}

func (p SessionsSection) revoke(w http.ResponseWriter, r *http.Request) {
	u, _, ok := p.begin(w, r)
	if !ok {
		return
	}
	id := r.PostFormValue("session")
	err := p.Store.DeleteUserSession(r.Context(), u.ID, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		err = nil // not (or no longer) one of the user's sessions
	case err == nil:
		err = p.revokeSessionGrants(r.Context(), u.ID, id)
	}
	if err != nil {
		p.Engine.Unavailable(w, r, err)
		return
	}
	p.audit(r.Context(), "session_revoked", u.ID)
	p.Engine.RedirectWithNotice(w, r, account.PageDevices.URL(), i18n.T(r.Context(), "account.sessions.revoked"))
}

func (p SessionsSection) revokeOthers(w http.ResponseWriter, r *http.Request) {
	u, sess, ok := p.begin(w, r)
	if !ok {
		return
	}
	ended, err := p.endSessions(r.Context(), u.ID, sess.ID)
	for _, id := range ended { // even after an error: what ended is revoked
		err = errors.Join(err, p.revokeSessionGrants(r.Context(), u.ID, id))
	}
	if err != nil {
		p.Engine.Unavailable(w, r, err)
		return
	}
	p.audit(r.Context(), "sessions_revoked", u.ID)
	p.Engine.RedirectWithNotice(w, r, account.PageDevices.URL(), i18n.T(r.Context(), "account.sessions.revoked_others"))
}

// AppsSection lists the clients the user consented to and revokes them.
type AppsSection struct{ *Service }

var _ account.Section = AppsSection{}

// Page implements account.Placed.
func (AppsSection) Page() account.Page { return account.PageApps }

// Section implements account.Section.
func (p AppsSection) Section(ctx context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	consents, err := p.Store.ListUserConsents(ctx, u.ID)
	if err != nil {
		p.Logger.ErrorContext(ctx, "accounts: list consents", "error", err)
	}
	v := templates.AccountListView{CSRFToken: csrf}
	for _, c := range consents {
		name := c.ClientID
		if cl, err := p.Store.GetClient(ctx, c.ClientID); err == nil && cl.Name != "" {
			name = cl.Name
		}
		v.Apps = append(v.Apps, templates.AppItem{ClientID: c.ClientID, Name: name,
			Scopes: login.ScopeNames(ctx, c.Scopes), Granted: account.Date(ctx, c.GrantedAt)})
	}
	return templates.AppsSection(v)
}

// Mount implements account.Section.
func (p AppsSection) Mount(r chi.Router) { r.Post("/apps/revoke", p.revoke) }

// revoke removes the consent and every token issued to the client.
func (p AppsSection) revoke(w http.ResponseWriter, r *http.Request) {
	u, _, ok := p.begin(w, r)
	if !ok {
		return
	}
	client := r.PostFormValue("client")
	err := p.Store.DeleteConsent(r.Context(), u.ID, client)
	if errors.Is(err, storage.ErrNotFound) {
		err = nil
	}
	if err == nil && client != "" {
		err = p.revokeGrants(r.Context(), u.ID, client)
	}
	if err != nil {
		p.Engine.Unavailable(w, r, err)
		return
	}
	p.audit(r.Context(), "consent_revoked", u.ID)
	p.Engine.RedirectWithNotice(w, r, account.PageApps.URL(), i18n.T(r.Context(), "account.apps.revoked"))
}
