package selfservice

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
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

func (p PasswordSection) view() templates.FormView {
	return templates.FormView{
		Action: "/account/password", Submit: "Change password", TestID: "password-form",
		Intro:     "You stay signed in here; every other device and app is signed out.",
		MinLength: p.Policy.MinLength, MaxLength: p.Policy.MaxLength,
		Fields: []templates.Field{
			{Name: "current_password", Label: "Current password", Type: "password", Autocomplete: "current-password", Required: true},
			{Name: "new_password", Label: "New password", Type: "password", Autocomplete: "new-password", Required: true, Policy: true,
				Hint: "At least " + itoa(p.Policy.MinLength) + " characters."},
		},
	}
}

// Section implements account.Section.
func (p PasswordSection) Section(_ context.Context, u storage.User, _ storage.Session, csrf string) templ.Component {
	if u.PasswordHash == "" {
		return templ.Join(sectionTitle("Password"), templates.Form(templates.FormView{
			Intro: "Your account has no password. Use \"Forgot your password?\" on the sign-in page to set one."}))
	}
	v := p.view()
	v.CSRFToken = csrf
	return templ.Join(sectionTitle("Password"), templates.Form(v))
}

// Mount implements account.Section.
func (p PasswordSection) Mount(r chi.Router) {
	r.Get("/password", p.page)
	r.Post("/password", p.change)
}

func (p PasswordSection) page(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := p.Area.Current(w, r); ok {
		v := p.view()
		v.Title = "Change your password"
		p.form(w, r, http.StatusOK, v)
	}
}

func (p PasswordSection) change(w http.ResponseWriter, r *http.Request) {
	u, sess, ok := p.begin(w, r)
	if !ok || !p.Area.RequireRecentLogin(w, r, sess, "/account/password") {
		return
	}
	fail := func(status int, field, msg string) {
		v := p.view()
		v.Title, v.Error = "Change your password", msg
		for i := range v.Fields {
			if v.Fields[i].Name == field {
				v.Fields[i].Error = msg
			}
		}
		p.form(w, r, status, v)
	}
	if ok, answered := p.Area.CheckPassword(w, r, u, r.PostFormValue("current_password")); !ok {
		if !answered {
			fail(http.StatusUnauthorized, "current_password", "Your current password is incorrect.")
		}
		return
	}
	pw := r.PostFormValue("new_password")
	if problem := p.Policy.Check(r.Context(), pw, u.Email); problem != "" {
		fail(http.StatusBadRequest, "new_password", problem)
		return
	}
	if err := p.setPassword(r.Context(), u, pw, sess.ID); err != nil {
		p.Engine.Unavailable(w, r, err)
		return
	}
	p.audit(r.Context(), "password_changed", u.ID)
	p.Engine.RedirectWithNotice(w, r, "/account", "Your password was changed. Other devices were signed out.")
}

// SessionsSection lists active sessions and signs them out.
type SessionsSection struct{ *Service }

var _ account.Section = SessionsSection{}

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
		v.Sessions = append(v.Sessions, p.sessionItem(cur, true))
	} else if after != "" {
		v.Newest = account.MoreURL("sessions", "")
	}
	for _, s := range page.Items {
		if s.ID != cur.ID {
			v.Sessions = append(v.Sessions, p.sessionItem(s, false))
		}
	}
	if page.Next != "" {
		v.Older = account.MoreURL("sessions", page.Next)
	}
	return templates.SessionsSection(v)
}

func (p SessionsSection) sessionItem(s storage.Session, current bool) templates.SessionItem {
	return templates.SessionItem{
		ID: s.ID, Device: describeAgent(s.UserAgent), IP: s.IP, Current: current,
		LastSeen: ago(p.Now(), s.LastSeenAt), SignedIn: ago(p.Now(), s.AuthTime),
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
	p.Engine.RedirectWithNotice(w, r, "/account", "That device was signed out.")
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
	p.Engine.RedirectWithNotice(w, r, "/account", "Every other device was signed out.")
}

// ago is a short, human "5 minutes ago".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return itoa(int(d/time.Minute)) + " min ago"
	case d < 48*time.Hour:
		return itoa(int(d/time.Hour)) + " h ago"
	}
	return t.Format("2 Jan 2006")
}

// AppsSection lists the clients the user consented to and revokes them.
type AppsSection struct{ *Service }

var _ account.Section = AppsSection{}

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
			Scopes: strings.Join(c.Scopes, ", "), Granted: c.GrantedAt.Format("2 Jan 2006")})
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
	p.Engine.RedirectWithNotice(w, r, "/account", "The app's access was removed.")
}
