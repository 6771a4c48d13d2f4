package app

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/defence"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
)

// wireAccountsDefences plugs the shared defences into the accounts
// feature's hooks (login/selfservice): its Guard applies the shared rate
// limits to sign-up (3 per 5 minutes per IP), resend and forgot password;
// its Limiter (forgot password per IP and per address, with its own
// settings) becomes the shared Redis GCRA, and its events go to the audit
// log. The sign-up form shows the CAPTCHA when the IP owes one.
func (a *App) wireAccountsDefences(g *defence.Guard) {
	if a.Accounts == nil || a.Accounts.Service == nil {
		return
	}
	s := a.Accounts.Service
	s.Guard = accountsGuard{g: g, app: a}
	s.Limiter = sharedLimiter{store: a.Stores.Ephemeral, guard: g, failOpen: a.rateLimitFailOpen}
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
	if err == nil && !v.Refused && action == "signup" {
		v, err = ag.g.CheckCaptcha(r, email)
	}
	switch {
	case err != nil:
		ag.app.Engine.Unavailable(w, r, err)
	case v.Refused && v.Reason == login.RefuseCaptcha:
		ag.app.Engine.ErrorPage(w, r, http.StatusBadRequest, "Please complete the check",
			"For your security, go back and complete the check above the button, then send the form again. Nothing you typed was lost.")
	case v.Refused:
		ag.app.Engine.RenderRefusal(w, r, v)
	default:
		return true
	}
	return false
}

// Widget shows the CAPTCHA on the sign-up form once the IP owes one, and
// allows the provider in that page's CSP.
func (ag accountsGuard) Widget(w http.ResponseWriter, r *http.Request, action string) templ.Component {
	if action != "signup" {
		return nil
	}
	return ag.app.Engine.CaptchaWidget(w, r, "")
}

// sharedLimiter adapts the shared limiter to accounts.Limiter. It obeys
// the guard's policy, so rate_limits=off (ADMIT_RATE_LIMITS) turns the
// forgot-password limits off with every other one, and fails open like
// the guard's limits when Redis is unavailable.
type sharedLimiter struct {
	store    storage.RateLimiter
	guard    *defence.Guard
	failOpen func(ctx context.Context, action string, err error)
}

func (l sharedLimiter) Allow(ctx context.Context, key string, limit int, window time.Duration) bool {
	if limit <= 0 || !l.guard.Policy.RateLimits {
		return true
	}
	res, err := l.store.AllowRate(ctx, "accounts:"+key, storage.Rate{Limit: limit, Period: window})
	if err != nil && l.failOpen != nil {
		l.failOpen(ctx, "accounts", err)
	}
	return err != nil || res.Allowed // a backend failure must not block a password reset
}
