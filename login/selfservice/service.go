package selfservice

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/a-h/templ"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/login/mail"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"
)

// Store is what the accounts pages need from the durable store.
type Store interface {
	storage.Users
	storage.UserAdmin
	storage.AccountTokens
	storage.Sessions
	storage.RefreshTokens
	storage.Consents
	storage.Clients
}

// Mailer accepts messages without blocking (mail.Queue).
type Mailer interface {
	Enqueue(m mail.Message) error
	Ready() bool
}

// Guard is the defences hook on the public forms (sign-up, resend, forgot
// password): captcha, shared rate limits. Check runs first on every POST;
// when it returns false it has answered. Widget, when not nil, is rendered
// inside the form (a captcha). A nil Guard allows everything.
type Guard interface {
	Check(w http.ResponseWriter, r *http.Request, action string) bool
	Widget(w http.ResponseWriter, r *http.Request, action string) templ.Component
}

// Limiter counts events in a window (rate limits of forgot password).
// Allow records one event for key and reports whether it is within limit.
type Limiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) bool
}

// Settings are the deployment's account rules.
type Settings struct {
	// SignUp allows self-service sign-up (global).
	SignUp bool
	// NoSignUpClients lists client IDs whose sign-ins offer no sign-up
	// (an internal app whose users are provisioned).
	NoSignUpClients []string
	// RequireVerifiedEmail lists client IDs ("*": every client) whose logins
	// need a verified e-mail before they complete.
	RequireVerifiedEmail []string
	VerifyTTL            time.Duration // verification link, 24h
	ResetTTL             time.Duration // reset link, 1h
	ResendLimit          int           // verification e-mails per hour, 3
	// EmailHold is how long a soft-deleted user's address stays taken.
	EmailHold time.Duration
	// ForgotFloor is the fixed minimum time of a forgot-password answer and
	// of a sign-up answer, so that an existing account cannot be told from
	// a missing one by timing.
	ForgotFloor    time.Duration
	ForgotPerIP    int // per hour
	ForgotPerEmail int // per hour
}

// DefaultSettings are the old service's limits.
func DefaultSettings() Settings {
	return Settings{
		SignUp: true, VerifyTTL: 24 * time.Hour, ResetTTL: time.Hour, ResendLimit: 3,
		EmailHold: 30 * 24 * time.Hour, ForgotFloor: 750 * time.Millisecond, ForgotPerIP: 20, ForgotPerEmail: 5,
	}
}

// Service holds everything the accounts pages share.
type Service struct {
	Engine      *login.Engine
	Area        *account.Area
	Store       Store
	Revocations storage.Revocations
	Hasher      *password.Hasher
	Policy      *Policy
	Mail        Mailer
	Limiter     Limiter
	Guard       Guard // optional
	Settings    Settings
	Cookies     login.Cookies
	BaseURL     string // the issuer: links in e-mails are absolute
	// Audit, when set, records account events (sign-up, reset, deletion…).
	Audit  func(ctx context.Context, event, userID string)
	Now    func() time.Time
	Logger *slog.Logger
}

// signUpOpen reports whether sign-up is offered in flow f: allowed by the
// deployment and not closed for the flow's client.
func (s *Service) signUpOpen(f *login.Flow) bool {
	return s.Settings.SignUp && f.MayCreateAccounts() && !slices.Contains(s.Settings.NoSignUpClients, f.Client.ID)
}

// RequiresVerifiedEmail reports whether logins to the client need a
// verified e-mail.
func (s *Service) RequiresVerifiedEmail(clientID string) bool {
	return clientID != "" && (slices.Contains(s.Settings.RequireVerifiedEmail, "*") ||
		slices.Contains(s.Settings.RequireVerifiedEmail, clientID))
}

func (s *Service) audit(ctx context.Context, event, userID string) {
	s.Logger.InfoContext(ctx, "accounts: "+event, "user_id", userID)
	if s.Audit != nil {
		s.Audit(ctx, event, userID)
	}
}

// form renders a FormPage with a fresh CSRF token.
func (s *Service) form(w http.ResponseWriter, r *http.Request, status int, v templates.FormView) {
	csrf, err := s.Cookies.CSRFToken(w, r)
	if err != nil {
		s.Engine.Unavailable(w, r, err)
		return
	}
	v.CSRFToken = csrf
	login.Render(w, r, status, templates.FormPage(v))
}

func (s *Service) message(w http.ResponseWriter, r *http.Request, status int, v templates.FormView) {
	v.Action = ""
	s.form(w, r, status, v)
}

// guard runs the optional defences hook.
func (s *Service) guard(w http.ResponseWriter, r *http.Request, action string) bool {
	return s.Guard == nil || s.Guard.Check(w, r, action)
}

func (s *Service) widget(w http.ResponseWriter, r *http.Request, action string) templ.Component {
	if s.Guard == nil {
		return nil
	}
	return s.Guard.Widget(w, r, action)
}

// issueToken stores a new one-time token and returns its link value.
func (s *Service) issueToken(ctx context.Context, purpose string, u storage.User, email, flowID string, ttl time.Duration) (string, error) {
	value, hash, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.Now()
	t := storage.AccountToken{Hash: hash, Purpose: purpose, UserID: u.ID, Email: email, FlowID: flowID,
		CreatedAt: now, ExpiresAt: now.Add(ttl)}
	return value, s.Store.CreateAccountToken(ctx, t)
}

// send renders and queues one e-mail.
func (s *Service) send(ctx context.Context, to string, v templates.MailView) error {
	m, err := mail.Render(ctx, to, v)
	if err != nil {
		return err
	}
	return s.Mail.Enqueue(m)
}

// notify sends a best-effort notice; a failure is logged by the queue.
func (s *Service) notify(ctx context.Context, to string, v templates.MailView) {
	if to == "" {
		return
	}
	if err := s.send(ctx, to, v); err != nil && !errors.Is(err, mail.ErrUnavailable) {
		s.Logger.ErrorContext(ctx, "accounts: render e-mail", "error", err)
	}
}

// signOutEverywhere ends every session of the user (but keep, if set) and
// revokes every refresh token, deny-listing their grants so access tokens
// already issued stop working at introspection and userinfo too.
func (s *Service) signOutEverywhere(ctx context.Context, userID, keep string) error {
	if _, err := s.endSessions(ctx, userID, keep); err != nil {
		return err
	}
	return s.revokeGrants(ctx, userID, "")
}

// endSessions deletes the user's sessions but keep, and returns the IDs it
// ended (none listed when keep is empty: every session goes at once).
func (s *Service) endSessions(ctx context.Context, userID, keep string) ([]string, error) {
	if keep == "" {
		return nil, s.Store.DeleteUserSessions(ctx, userID)
	}
	var ended []string
	for after := ""; ; {
		page, err := s.Store.ListUserSessions(ctx, userID, storage.PageRequest{After: after})
		if err != nil {
			return ended, err
		}
		for _, ss := range page.Items {
			if ss.ID == keep {
				continue
			}
			if err := s.Store.DeleteSession(ctx, ss.ID); err != nil {
				return ended, err
			}
			ended = append(ended, ss.ID)
		}
		if after = page.Next; after == "" {
			return ended, nil
		}
	}
}

// maxAccessTokenLifetime matches op's bound on access tokens: a deny-list
// entry must outlive every token it covers.
const maxAccessTokenLifetime = 24 * time.Hour

// revokeGrants revokes the user's refresh tokens (for one client, or all)
// and deny-lists their grants, as op's replay handling does.
func (s *Service) revokeGrants(ctx context.Context, userID, clientID string) error {
	now := s.Now()
	families, err := s.Store.RevokeRefreshTokens(ctx, userID, clientID, now)
	if err != nil {
		return err
	}
	return s.denyGrants(ctx, families, now)
}

// revokeSessionGrants revokes the refresh tokens applications obtained
// through one browser session, and deny-lists their grants: signing a
// device out from the account area cuts off what was signed in there.
func (s *Service) revokeSessionGrants(ctx context.Context, userID, sessionID string) error {
	now := s.Now()
	families, err := s.Store.RevokeSessionRefreshTokens(ctx, userID, sessionID, now)
	if err != nil {
		return err
	}
	return s.denyGrants(ctx, families, now)
}

// denyGrants puts the families' grants on the access-token deny-list.
func (s *Service) denyGrants(ctx context.Context, families []string, now time.Time) error {
	for _, f := range families {
		if err := s.Revocations.Revoke(ctx, "grant:"+f, now.Add(maxAccessTokenLifetime)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) link(path, token string) string {
	return s.BaseURL + path + "?token=" + token
}

// msgUnverified is shown when a client requires a confirmed address.
const msgUnverified = "signup.unverified"

// PasswordGate is password.Method.Gate: logins to a client that requires
// a verified e-mail stop until the address is confirmed.
func (s *Service) PasswordGate(f *login.Flow, u storage.User) string {
	if u.EmailVerified || !s.RequiresVerifiedEmail(f.Client.ID) {
		return ""
	}
	return msgUnverified
}
