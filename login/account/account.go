package account

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
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
	// FrontChannel, when set (login.Logout), signs the browser's own
	// session out of its clients' front channels too whenever the area
	// ends that session (sign out, account deletion): OpenID Connect
	// Front-Channel Logout 1.0 §4 asks it of every logout at the OP, not
	// only of end_session.
	FrontChannel FrontChannel
}

// FrontChannel is what the area needs of front-channel logout
// (login.Logout): the session's front-channel logout URIs, read before it
// ends, and the signed-out page that loads them.
type FrontChannel interface {
	FrontChannelFrames(ctx context.Context, sessionID string) []string
	SignedOutPage(w http.ResponseWriter, r *http.Request, frames []string, v templates.MessageView)
}

// Routes returns the /account router.
func (a *Area) Routes() chi.Router {
	r := chi.NewRouter()
	r.Get("/", a.page)
	for _, p := range Pages[1:] {
		r.Get("/"+string(p), a.page)
	}
	r.Post("/logout", a.logout)
	for _, s := range a.Sections {
		s.Mount(r)
	}
	return r
}

func (a *Area) page(w http.ResponseWriter, r *http.Request) {
	a.show(w, r, http.StatusOK, pageFromPath(r.URL.Path), nil)
}

// pageFromPath is the page /account/<page> names; /account is the profile.
func pageFromPath(path string) Page {
	p := Page(strings.Trim(strings.TrimPrefix(path, "/account"), "/"))
	if p.valid() {
		return p
	}
	return PageProfile
}

// ShowForm answers a failed form submission: the page the form's section
// is on, with that one form as v left it (its errors inline, what was
// typed kept), under status. It replaces the standalone error page: the
// rest of the page and the navigation stay where they were.
func (a *Area) ShowForm(w http.ResponseWriter, r *http.Request, status int, page Page, v templates.FormView) {
	a.show(w, r, status, page, inline{v.TestID: v})
}

func (a *Area) show(w http.ResponseWriter, r *http.Request, status int, page Page, forms inline) {
	u, s, ok := a.Current(w, r)
	if !ok {
		return
	}
	csrf, err := a.Cookies.CSRFToken(w, r)
	if err != nil {
		a.Engine.Unavailable(w, r, err)
		return
	}
	ctx := context.WithValue(r.Context(), queryKey{}, r.URL.Query())
	if forms != nil {
		ctx = context.WithValue(ctx, inlineKey{}, forms)
	}
	v := templates.AccountView{
		Email: displayName(ctx, u), CSRFToken: csrf, Notice: a.Engine.TakeNotice(w, r),
		Page: string(page), Title: i18n.T(ctx, "account.page."+string(page)),
	}
	present := map[Page]bool{PageProfile: true}
	for _, sec := range a.Sections {
		p := pageOf(sec)
		present[p] = true
		if p == page {
			v.Sections = append(v.Sections, sec.Section(ctx, u, s, csrf))
		}
	}
	for _, p := range Pages {
		if present[p] {
			v.Nav = append(v.Nav, templates.NavItem{Href: p.URL(), Label: i18n.T(ctx, "account.page."+string(p)),
				TestID: "nav-" + string(p), Current: p == page, Danger: p == PageDanger})
		}
	}
	login.Render(w, r.WithContext(ctx), status, templates.AccountPage(v))
}

// displayName is how the page names who is signed in: the e-mail address,
// else the name; wallet-only and passkey-only accounts have neither.
func displayName(ctx context.Context, u storage.User) string {
	if u.Email != "" {
		return u.Email
	}
	if n := u.Name(); n != "" {
		return n
	}
	return i18n.T(ctx, "account.user.no_email")
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
// themselves, form posts to the account page they came from.
func returnPath(r *http.Request) string {
	if r.Method != http.MethodGet {
		return "/account"
	}
	u := url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	return u.String()
}

func (a *Area) logout(w http.ResponseWriter, r *http.Request) {
	if !a.Cookies.CheckCSRF(r) {
		a.Engine.ErrorPage(w, r, http.StatusForbidden, "error.csrf.title", "error.csrf.message")
		return
	}
	s, found, err := a.Sessions.Current(r)
	if err != nil {
		a.Engine.Unavailable(w, r, err)
		return
	}
	var frames []string
	if found {
		frames = a.FrontChannelFrames(r.Context(), s.ID)
	}
	if err := a.Sessions.End(w, r); err != nil {
		a.Engine.Unavailable(w, r, err)
		return
	}
	a.SignedOut(w, r, frames, login.SignedOutView(r.Context()))
}

// FrontChannelFrames are the front-channel logout URIs of the session's
// clients (none without FrontChannel); a handler that ends the browser's
// own session reads them first and hands them to SignedOut.
func (a *Area) FrontChannelFrames(ctx context.Context, sessionID string) []string {
	if a.FrontChannel == nil {
		return nil
	}
	return a.FrontChannel.FrontChannelFrames(ctx, sessionID)
}

// SignedOut answers after the area ended the browser's own session: page
// v, which also loads frames (Front-Channel Logout 1.0 §4) when there are
// any.
func (a *Area) SignedOut(w http.ResponseWriter, r *http.Request, frames []string, v templates.MessageView) {
	if a.FrontChannel == nil {
		login.Render(w, r, http.StatusOK, templates.MessagePage(v))
		return
	}
	a.FrontChannel.SignedOutPage(w, r, frames, v) // without frames: page v alone
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

// MoreURL is the devices page showing the list name from cursor on (the
// Next of the page shown), scrolled to the list. Both paginated lists
// (sessions, devices) are on the devices page.
func MoreURL(name, cursor string) string {
	if cursor == "" {
		return PageDevices.URL() + "#" + name
	}
	return PageDevices.URL() + "?" + url.Values{name: {cursor}}.Encode() + "#" + name
}

// ShowPage serves one page of the area (for a section whose own handler
// sits on the page's address, like the venues form).
func (a *Area) ShowPage(w http.ResponseWriter, r *http.Request, page Page) {
	a.show(w, r, http.StatusOK, page, nil)
}
