package defence

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage/audit"
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

// URL is the absolute unlock link for identifier's lock ending at until.
func (u *Unlocker) URL(identifier string, until time.Time) string {
	return u.Issuer + UnlockPath + "?t=" + url.QueryEscape(u.Signer.SignUntil([]byte(identifier), until))
}

var errBadUnlock = errors.New("unlock: invalid or expired link")

// parse returns the identifier of a valid, unexpired token.
func (u *Unlocker) parse(token string) (string, error) {
	id, err := u.Signer.Verify(token)
	if err != nil {
		return "", errBadUnlock
	}
	return string(id), nil
}

// Mount adds GET /unlock to the /login router (Unlocker is a login.Method
// without an entry on the login page).
func (u *Unlocker) Mount(r chi.Router) { r.Get("/unlock", u.ServeHTTP) }

// Option implements login.Method: nothing on the login page.
func (u *Unlocker) Option(*login.Flow, string) templ.Component { return nil }

// ServeHTTP lifts the lock. A GET changes state here on purpose: the link
// comes from an e-mail, it only removes a restriction the owner is told
// about, and it is signed and single-purpose.
func (u *Unlocker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, err := u.parse(r.URL.Query().Get("t"))
	if err != nil {
		u.Engine.ErrorPage(w, r, http.StatusBadRequest, "unlock.expired.title", "unlock.expired.message")
		return
	}
	if err := u.Guard.Unlocked(r.Context(), id); err != nil {
		u.Engine.Unavailable(w, r, err)
		return
	}
	user, _ := u.Guard.lookup(r.Context(), login.Attempt{Identifier: id})
	u.Guard.Audit.Record(r.Context(), audit.Event{Event: "unlock", Outcome: audit.Success, UserID: user.ID, ActorID: user.ID})
	u.Engine.ErrorPage(w, r, http.StatusOK, "unlock.done.title", "unlock.done.message")
}
