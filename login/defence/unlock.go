package defence

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/audit"
)

// Unlocker makes and serves the unlock link of a lockout e-mail: the
// identifier and the lock's end, signed with HMAC-SHA256 (key derived from
// the master key). The link works until the lock would have ended.
type Unlocker struct {
	Key    []byte
	Issuer string
	Guard  *Guard
	Engine *login.Engine
	Now    func() time.Time
}

// UnlockPath is the unlock page under /login.
const UnlockPath = "/login/unlock"

// URL is the absolute unlock link for identifier's lock ending at until.
func (u *Unlocker) URL(identifier string, until time.Time) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(until.Unix(), 10) + "|" + identifier))
	return u.Issuer + UnlockPath + "?t=" + url.QueryEscape(payload+"."+u.sign(payload))
}

func (u *Unlocker) sign(payload string) string {
	m := hmac.New(sha256.New, u.Key)
	m.Write([]byte("admit unlock v1|" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var errBadUnlock = errors.New("unlock: invalid or expired link")

// parse returns the identifier of a valid, unexpired token.
func (u *Unlocker) parse(token string) (string, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(u.sign(payload))) {
		return "", errBadUnlock
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", errBadUnlock
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	until, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || !u.Now().Before(time.Unix(until, 0)) {
		return "", errBadUnlock
	}
	return id, nil
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
		u.Engine.ErrorPage(w, r, http.StatusBadRequest, "This link has expired",
			"The unlock link is invalid or the lock has already ended. You can sign in again.")
		return
	}
	if err := u.Guard.Unlocked(r.Context(), id); err != nil {
		u.Engine.Unavailable(w, r, err)
		return
	}
	user, _ := u.Guard.lookup(r.Context(), login.Attempt{Identifier: id})
	u.Guard.Audit.Record(r.Context(), audit.Event{Event: "unlock", Outcome: audit.Success, UserID: user.ID, ActorID: user.ID})
	u.Engine.ErrorPage(w, r, http.StatusOK, "Your account is unlocked",
		"You can sign in with your password again. If you did not try to sign in, change your password.")
}
