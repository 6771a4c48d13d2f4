package account

import (
	"errors"
	"net/http"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
)

// passwordAction names the rate limit of password re-entry (defence's
// ActionReauth: 10 a minute per user, 30 per IP): without it, any session
// (alive for days) would be an unlimited password-guessing oracle through
// the account pages.
const passwordAction = "reauth"

// CheckPassword verifies a password re-entered on an account page (change
// password, delete account, TOTP changes), under its own rate limits. answered is true when it has already answered (rate limited or a
// backend failure); otherwise ok tells whether the password is right. An
// account without a password takes the same time as a wrong password.
func (a *Area) CheckPassword(w http.ResponseWriter, r *http.Request, u storage.User, pw string) (ok, answered bool) {
	v, err := a.Engine.CheckAttempt(r, login.Attempt{Action: passwordAction, Identifier: "user:" + u.ID, UserID: u.ID})
	switch {
	case err != nil:
		a.Engine.Unavailable(w, r, err)
		return false, true
	case v.Refused:
		a.Engine.RenderRefusal(w, r, v)
		return false, true
	}
	if u.PasswordHash == "" || pw == "" {
		err = a.Hasher.VerifyUnknownContext(r.Context(), pw)
	} else {
		_, err = a.Hasher.VerifyContext(r.Context(), pw, u.PasswordHash)
	}
	if errors.Is(err, password.ErrBusy) {
		// No hash slot in time (a login surge): nothing was checked, so
		// nothing may count as a wrong password.
		a.Engine.Unavailable(w, r, err)
		return false, true
	}
	return err == nil, false
}
