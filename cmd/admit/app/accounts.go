package app

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/account"
	"github.com/admit-idp/admit/login/mail"
	"github.com/admit-idp/admit/login/password"
	"github.com/admit-idp/admit/login/selfservice"
	"github.com/admit-idp/admit/storage/audit"
)

// Accounts is the running self-service accounts feature: its service, the
// mail queue, and the development mailbox (nil when SMTP is configured).
type Accounts struct {
	Service *selfservice.Service
	Queue   *mail.Queue
	Mailbox *mail.Mailbox
	stop    context.CancelFunc
}

// Close stops the mail workers (messages still queued are dropped with
// the process, as any in-memory queue's are; accepted messages have been
// retried until then).
func (ac *Accounts) Close() {
	ac.stop()
	ac.Queue.Wait()
}

// addAccounts wires sign-up, verification, password reset and the account
// sections, and starts the mail queue.
func (a *App) addAccounts() *Accounts {
	cfg := a.Config.Accounts
	ac := &Accounts{}
	var sender mail.Sender = mail.SMTP{Config: cfg.SMTP.mailConfig()}
	if cfg.SMTP.Host == "" {
		ac.Mailbox = &mail.Mailbox{Now: a.Now}
		sender = ac.Mailbox
		if !a.Config.DevMode() {
			a.warnAtServe("accounts: no SMTP server configured (accounts.smtp.host): e-mails are kept in memory and not sent")
		}
	}
	ac.Queue = mail.NewQueue(sender, mail.QueueOptions{Backoff: cfg.SMTP.RetryBackoff}, a.Logger)
	ctx, stop := context.WithCancel(context.Background())
	ac.stop = stop
	ac.Queue.Run(ctx)
	ac.Service = a.accountsService(ac.Queue)
	a.mountAccounts(ac.Service)
	return ac
}

func (a *App) accountsService(q *mail.Queue) *selfservice.Service {
	cfg := a.Config.Accounts
	st := selfservice.DefaultSettings()
	st.SignUp, st.RequireVerifiedEmail = cfg.SignUpAllowed(), cfg.RequireVerifiedEmail
	st.NoSignUpClients = cfg.NoSignUpClients
	if cfg.EmailHold > 0 {
		st.EmailHold = cfg.EmailHold
	}
	if cfg.ForgotFloor > 0 {
		st.ForgotFloor = cfg.ForgotFloor
	}
	return &selfservice.Service{
		Engine: a.Engine, Area: a.Account, Store: a.Stores.Durable, Revocations: a.Stores.Ephemeral,
		Hasher: a.Hasher, Policy: selfservice.NewPolicy(cfg.PasswordMinLength, cfg.PasswordMaxLength),
		Mail: q, Limiter: &selfservice.MemoryLimiter{Now: a.Now}, Settings: st, Cookies: a.Engine.Cookies,
		BaseURL: a.Config.Issuer, Now: a.Now, Logger: a.Logger, Audit: a.auditAccount,
	}
}

// auditAccount writes account events ("account.signup",
// "account.password_reset", "account.account_deleted"…) to the audit log.
func (a *App) auditAccount(ctx context.Context, event, userID string) {
	if a.Audit != nil {
		a.Audit.Record(ctx, audit.Event{Event: "account." + event, Outcome: audit.Success, ActorID: userID, UserID: userID})
	}
}

// mountAccounts adds the login-page method, the password gate and the
// account sections (profile and password first, deletion last).
func (a *App) mountAccounts(s *selfservice.Service) {
	a.Engine.Methods = append(a.Engine.Methods, selfservice.Method{Service: s})
	for _, m := range a.Engine.Methods {
		if pm, ok := m.(*password.Method); ok {
			pm.Gate = s.PasswordGate
			a.Engine.Gate = s.PasswordGate
		}
	}
	a.Account.Sections = append(append(
		[]account.Section{selfservice.ProfileSection{Service: s}, selfservice.PasswordSection{Service: s}},
		a.Account.Sections...),
		selfservice.SessionsSection{Service: s}, selfservice.AppsSection{Service: s}, selfservice.DeleteSection{Service: s})
}

// devRoutes mounts the development mailbox: only in development mode and
// only when no SMTP server is configured.
func (a *App) devRoutes(r chi.Router) {
	if a.Accounts != nil && a.Accounts.Mailbox != nil && a.Config.DevMode() {
		r.Handle("/dev/mailbox", a.Accounts.Mailbox)
	}
}

var _ http.Handler = (*mail.Mailbox)(nil)
var _ login.Method = selfservice.Method{}
