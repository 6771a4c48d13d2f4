package password

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
)

// Method is the e-mail + password login method. Its form is the login page's
// main form (templates.LoginPage), which posts to /login/password.
type Method struct {
	Engine *login.Engine
	Users  storage.Users
	Hasher *Hasher
	Now    func() time.Time
	Logger *slog.Logger
	// Gate, when set, may stop a correct password from completing the
	// login (an unconfirmed e-mail for a client that requires one): it
	// returns the message to show, or "".
	Gate func(f *login.Flow, u storage.User) string
	// InlineWait is how long a POST waits for its verification before it
	// sends the browser to the busy page (0: DefaultInlineWait; surge.go).
	InlineWait time.Duration
	tickets    tickets
}

var _ login.Method = (*Method)(nil)

// Mount adds POST /password and the busy page (surge.go) to the /login
// router.
func (m *Method) Mount(r chi.Router) {
	r.Post("/password", m.submit)
	r.Get(WaitPath, m.wait)
}

// Option is nil: the password form is built into the login page.
func (m *Method) Option(*login.Flow, string) templ.Component { return nil }

const (
	msgMissing = "password.missing"
	msgWrong   = "password.wrong"
)

// authenticate verifies the credentials. Unknown, password-less and disabled
// accounts fail exactly like a wrong password, after the same amount of work.
func (m *Method) authenticate(ctx context.Context, tenantID, email, pw string) (storage.User, error) {
	u, err := m.Users.GetUserByEmail(ctx, tenantID, email)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.PasswordHash == "") {
		return storage.User{}, m.Hasher.VerifyUnknownContext(ctx, pw)
	}
	if err != nil {
		return storage.User{}, err
	}
	res, err := m.Hasher.VerifyContext(ctx, pw, u.PasswordHash)
	if errors.Is(err, ErrBusy) {
		return storage.User{}, err
	}
	if err != nil && !errors.Is(err, ErrMismatch) {
		m.Logger.ErrorContext(ctx, "password: stored hash unreadable", "user_id", u.ID, "error", err)
		return storage.User{}, ErrMismatch
	}
	if err != nil {
		return storage.User{}, err
	}
	if u.Disabled {
		return storage.User{}, ErrMismatch
	}
	if res.NeedsRehash {
		m.upgrade(ctx, u, pw)
	}
	return u, nil
}

// upgrade re-hashes a bcrypt or outdated argon2id hash after a successful
// login; a failure only means it is tried again next time.
func (m *Method) upgrade(ctx context.Context, u storage.User, pw string) {
	hash, err := m.Hasher.HashContext(ctx, pw)
	if err == nil {
		err = m.Users.SetPasswordHash(ctx, u.ID, hash, m.Now())
	}
	if err != nil {
		m.Logger.WarnContext(ctx, "password: rehash failed", "user_id", u.ID, "error", err)
	}
}

// NormaliseEmail trims and lower-cases an e-mail address, as stored.
func NormaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
