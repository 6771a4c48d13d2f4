package app

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/admit-idp/admit/login/audit"
	"github.com/admit-idp/admit/login/defence"
	"github.com/admit-idp/admit/storage"
)

// wireAccountsDefences plugs the shared defences into the accounts
// feature's hooks (login/accounts): its Guard applies the shared rate
// limits to sign-up (3 per 5 minutes per IP), resend and forgot password;
// its Limiter (forgot password per IP and per address, with its own
// settings) becomes the shared Redis GCRA, and its events go to the audit
// log. The sign-up form shows no CAPTCHA yet: the widget needs the response
// writer for its CSP, which the accounts Widget hook does not get.
func (a *App) wireAccountsDefences(g *defence.Guard) {
	if a.Accounts == nil || a.Accounts.Service == nil {
		return
	}
	s := a.Accounts.Service
	s.Guard = accountsGuard{g: g, app: a}
	s.Limiter = sharedLimiter{store: a.Stores.Ephemeral}
	s.Audit = func(ctx context.Context, event, userID string) {
		a.Audit.Record(ctx, audit.Event{Event: accountEvent(event), Outcome: audit.Success, UserID: userID})
	}
}

// accountEvent names the accounts feature's events like the rest of the
// audit log ("password_reset" → "password.reset").
func accountEvent(e string) string {
	switch {
	case strings.HasPrefix(e, "password_"), strings.HasPrefix(e, "email_"), strings.HasPrefix(e, "session"):
		head, tail, _ := strings.Cut(e, "_")
		return head + "." + tail
	case e == "consent_revoked":
		return "consent.revoked"
	}
	return "account." + e
}

// accountsGuard rate-limits the public account forms per IP and per
// address ("signup" 3/5 min per IP; "forgot" and "resend" like forgot
// password).
type accountsGuard struct {
	g   *defence.Guard
	app *App
}

func (ag accountsGuard) Check(w http.ResponseWriter, r *http.Request, action string) bool {
	act := defence.ActionForgotPassword
	if action == "signup" {
		act = defence.ActionSignUp
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	v, err := ag.g.Limit(r.Context(), act, defence.ClientIP(r), email)
	if err != nil {
		ag.app.Engine.Unavailable(w, r, err)
		return false
	}
	if v.Refused {
		ag.app.Engine.RenderRefusal(w, r, v)
		return false
	}
	return true
}

// Widget: none yet. A CAPTCHA widget needs its provider's origins in the
// page's CSP, which a component cannot set; see the report (the accounts
// forms should call Engine.CaptchaWidget(w, r, identifier)).
func (accountsGuard) Widget(*http.Request, string) templ.Component { return nil }

// sharedLimiter adapts the shared limiter to accounts.Limiter.
type sharedLimiter struct{ store storage.RateLimiter }

func (l sharedLimiter) Allow(ctx context.Context, key string, limit int, window time.Duration) bool {
	if limit <= 0 {
		return true
	}
	res, err := l.store.AllowRate(ctx, "accounts:"+key, storage.Rate{Limit: limit, Period: window})
	return err != nil || res.Allowed // a backend failure must not block a password reset
}
