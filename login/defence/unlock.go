package defence

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
	"github.com/admit-idp/admit/templates"
	"github.com/admit-idp/admit/templates/i18n"
)

// Unlocker makes and serves the unlock link of a lockout e-mail: the
// identifier, signed (keys/signed, a key of its own derived from the master
// key) to expire when the lock ends. The link works until the lock would
// have ended.
type Unlocker struct {
	Signer *signed.Signer
	Issuer string
	Guard  *Guard
	Engine *login.Engine
}

// UnlockPath is the unlock page under /login.
const UnlockPath = "/login/unlock"

// URL is the absolute unlock link for identifier's lock ending at until,
// sent to the account of tenantID (the tenant names the user the unlock
// announces; the lock itself is per address, across tenants).
func (u *Unlocker) URL(identifier, tenantID string, until time.Time) string {
	payload := identifier
	if tenantID != "" {
		payload += tenantSep + tenantID
	}
	return u.Issuer + UnlockPath + "?t=" + url.QueryEscape(u.Signer.SignUntil([]byte(payload), until))
}

// tenantSep separates the identifier from the tenant in a link's payload:
// a NUL is in no e-mail address (RFC 5322 §3.2.3).
const tenantSep = "\x00"

var errBadUnlock = errors.New("unlock: invalid or expired link")

// parse returns the identifier and tenant of a valid, unexpired token (the
// default tenant for a link made before links named their tenant).
func (u *Unlocker) parse(token string) (identifier, tenantID string, err error) {
	payload, err := u.Signer.Verify(token)
	if err != nil {
		return "", "", errBadUnlock
	}
	id, tenant, _ := strings.Cut(string(payload), tenantSep)
	return id, cmp.Or(tenant, storage.DefaultTenantID), nil
}

// Mount adds GET and POST /unlock to the /login router (Unlocker is a
// login.Method without an entry on the login page).
func (u *Unlocker) Mount(r chi.Router) {
	r.Get("/unlock", u.confirm)
	r.Post("/unlock", u.unlock)
}

// Option implements login.Method: nothing on the login page.
func (u *Unlocker) Option(*login.Flow, string) templ.Component { return nil }

// ServeHTTP serves the unlock page (GET shows, POST acts).
func (u *Unlocker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		u.unlock(w, r)
		return
	}
	u.confirm(w, r)
}

// signInLink is the way on from every unlock page.
func signInLink(r *http.Request) []templates.Link {
	return []templates.Link{{Href: "/account", Label: i18n.T(r.Context(), "pages.link.sign_in"), TestID: "unlock-sign-in"}}
}

// confirm shows what the link does and a button that does it. A GET
// changes nothing (RFC 9110 §9.2.1: GET is safe): mail scanners and link
// previews open links, and must not lift a lock on the owner's behalf.
func (u *Unlocker) confirm(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("t")
	if _, _, err := u.parse(tok); err != nil {
		u.expired(w, r)
		return
	}
	csrf, err := u.Engine.Cookies.CSRFToken(w, r)
	if err != nil {
		u.Engine.Unavailable(w, r, err)
		return
	}
	ctx := r.Context()
	login.Render(w, r, http.StatusOK, templates.FormPage(templates.FormView{
		Title: i18n.T(ctx, "pages.unlock.title"), Intro: i18n.T(ctx, "pages.unlock.text"),
		Action: UnlockPath, CSRFToken: csrf, Hidden: map[string]string{"t": tok},
		Submit: i18n.T(ctx, "pages.unlock.submit"), TestID: "unlock-form", Links: signInLink(r),
	}))
}

func (u *Unlocker) expired(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	login.Render(w, r, http.StatusBadRequest, templates.FormPage(templates.FormView{
		Title: i18n.T(ctx, "pages.unlock.expired_title"), Error: i18n.T(ctx, "pages.unlock.expired"),
		TestID: "unlock-expired", Links: signInLink(r),
	}))
}

// unlock lifts the lock: a POST from the confirm page, with its CSRF
// token and the signed link token.
func (u *Unlocker) unlock(w http.ResponseWriter, r *http.Request) {
	if !u.Engine.Cookies.CheckCSRF(r) {
		u.Engine.ErrorPage(w, r, http.StatusForbidden, "Your session has expired", "Go back, reload the page and try again.")
		return
	}
	id, tenant, err := u.parse(r.PostFormValue("t"))
	if err != nil {
		u.expired(w, r)
		return
	}
	user, _ := u.Guard.lookup(r.Context(), login.Attempt{Identifier: id, TenantID: tenant})
	if err := u.Guard.Unlocked(r.Context(), id, user, storage.UnlockByLink); err != nil {
		u.Engine.Unavailable(w, r, err)
		return
	}
	u.Guard.Audit.Record(r.Context(), audit.Event{Event: "unlock", Outcome: audit.Success, UserID: user.ID, ActorID: user.ID})
	ctx := r.Context()
	login.Render(w, r, http.StatusOK, templates.FormPage(templates.FormView{
		Title: i18n.T(ctx, "pages.unlock.done_title"), Notice: i18n.T(ctx, "pages.unlock.done"),
		TestID: "unlock-done", Links: signInLink(r),
	}))
}
