package account

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
)

// RecentLogin is how fresh a login must be for sensitive actions.
const RecentLogin = 5 * time.Minute

// Section is one block of the account page.
type Section interface {
	// Section renders the block for the user; csrf is the form token.
	Section(ctx context.Context, u storage.User, s storage.Session, csrf string) templ.Component
	// Mount adds the section's handlers to the /account router.
	Mount(r chi.Router)
}

// Area serves /account.
type Area struct {
	Engine   *login.Engine
	Sessions *login.Sessions
	Users    storage.Users
	Cookies  login.Cookies
	Sections []Section
	// Hasher verifies re-entered passwords (CheckPassword).
	Hasher *password.Hasher
	Now    func() time.Time
}

// Routes returns the /account router.
func (a *Area) Routes() chi.Router {
	r := chi.NewRouter()
	r.Get("/", a.page)
	r.Post("/logout", a.logout)
	for _, s := range a.Sections {
		s.Mount(r)
	}
	return r
}

func (a *Area) page(w http.ResponseWriter, r *http.Request) {
	u, s, ok := a.Current(w, r)
	if !ok {
		return
	}
	csrf, err := a.Cookies.CSRFToken(w, r)
	if err != nil {
		a.Engine.Unavailable(w, r, err)
		return
	}
	v := templates.AccountView{Email: displayName(u), CSRFToken: csrf, Notice: a.Engine.TakeNotice(w, r)}
	ctx := context.WithValue(r.Context(), queryKey{}, r.URL.Query())
	for _, sec := range a.Sections {
		v.Sections = append(v.Sections, sec.Section(ctx, u, s, csrf))
	}
	login.Render(w, r, http.StatusOK, templates.AccountPage(v))
}

func displayName(u storage.User) string {
	if u.Email != "" {
		return u.Email
	}
	if n := u.Name(); n != "" {
		return n
	}
	// Wallet-only accounts have neither; their wallets are listed below.
	return "an account without an e-mail address"
}

// Current returns the signed-in user and session; without one it starts a
// login that returns to this page, and reports false.
func (a *Area) Current(w http.ResponseWriter, r *http.Request) (storage.User, storage.Session, bool) {
	s, found, err := a.Sessions.Current(r)
	if err != nil {
		a.Engine.Unavailable(w, r, err)
		return storage.User{}, storage.Session{}, false
	}
	if !found {
		a.Engine.StartLocal(w, r, returnPath(r))
		return storage.User{}, storage.Session{}, false
	}
	u, err := a.Users.GetUser(r.Context(), s.UserID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && (u.Disabled || u.TenantSuspended())) {
		_ = a.Sessions.End(w, r)
		a.Engine.StartLocal(w, r, returnPath(r))
		return storage.User{}, storage.Session{}, false
	}
	if err != nil {
		a.Engine.Unavailable(w, r, err)
		return storage.User{}, storage.Session{}, false
	}
	return u, s, true
}

// RequireRecentLogin reports whether the session's last full login is within
// RecentLogin; otherwise it ends the session's claim to freshness by starting
// a new login that returns to returnTo, and reports false.
func (a *Area) RequireRecentLogin(w http.ResponseWriter, r *http.Request, s storage.Session, returnTo string) bool {
	if a.Now().Sub(s.AuthTime) <= RecentLogin {
		return true
	}
	a.Engine.StartLocal(w, r, returnTo)
	return false
}

// returnPath is the page to come back to after a login: GETs return to
// themselves, form posts to the account page.
func returnPath(r *http.Request) string {
	if r.Method != http.MethodGet {
		return "/account"
	}
	u := url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	return u.String()
}

func (a *Area) logout(w http.ResponseWriter, r *http.Request) {
	if !a.Cookies.CheckCSRF(r) {
		a.Engine.ErrorPage(w, r, http.StatusForbidden, "Your session has expired", "Reload the page and try again.")
		return
	}
	if err := a.Sessions.End(w, r); err != nil {
		a.Engine.Unavailable(w, r, err)
		return
	}
	login.SignedOut(w, r)
}

// ListPageSize is how many items a list of the account page (sessions,
// devices) shows at once: a user can have thousands of either, and the
// page must stay small and fast.
const ListPageSize = 10

type queryKey struct{}

// ListCursor is the position a list of the account page starts at: the
// query parameter name of the page's URL (set by MoreURL), empty for the
// newest items.
func ListCursor(ctx context.Context, name string) string {
	q, _ := ctx.Value(queryKey{}).(url.Values)
	return q.Get(name)
}

// MoreURL is the account page showing the list name from cursor on (the
// Next of the page shown), scrolled to the list.
func MoreURL(name, cursor string) string {
	if cursor == "" {
		return "/account#" + name
	}
	return "/account?" + url.Values{name: {cursor}}.Encode() + "#" + name
}
