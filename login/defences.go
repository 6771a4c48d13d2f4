package login

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/templates"

	"github.com/admit-idp/admit/templates/i18n"
)

// Defences is the one brute-force mechanism every authenticator goes
// through (implemented by package login/defence): rate limits per IP and
// identifier, account and IP lockout, CAPTCHA. Methods call Engine.Guard
// before verifying a credential; Engine.Fail and Engine.Succeed report the
// outcome, so no method counts anything itself.
type Defences interface {
	// Check applies action's rate limits (per IP and per identifier), the
	// lock of identifier and the IP when lockable, and the CAPTCHA when
	// one is required. A zero Verdict lets the attempt go on.
	Check(r *http.Request, a Attempt) (Verdict, error)
	// Failed records a failed attempt of a lockable step.
	Failed(r *http.Request, a Attempt) (Verdict, error)
	// Succeeded resets the identifier's failure counter.
	Succeeded(r *http.Request, a Attempt) error
	// CaptchaFor returns the widget to show on the login page for the
	// identifier and the request's IP, or nil when none is required.
	CaptchaFor(r *http.Request, identifier string) (Captcha, error)
}

// Attempt is one guarded sign-in step.
type Attempt struct {
	// Action names the rate limit ("login", "totp", "passkey", "signup",
	// "forgot_password", ...).
	Action string
	// Identifier is the normalised account identifier (e-mail), or
	// "user:<id>" when only the user is known; empty for none.
	Identifier string
	// Lockable: the step is a password or code step (account lockout
	// applies); passkeys and wallets are not (a locked user may use them).
	Lockable bool
	UserID   string
	// TenantID is the tenant the identifier is looked up in (empty: the
	// default tenant). Lock counters are kept per identifier across
	// tenants: an address under attack is paused everywhere.
	TenantID string
}

// Verdict refuses an attempt when Refused is set.
type Verdict struct {
	Refused    bool
	Reason     string // RefuseRate, RefuseLocked, RefuseCaptcha
	RetryAfter time.Duration
	// Captcha is the widget to show again (RefuseCaptcha, or after a
	// failure that made one necessary).
	Captcha Captcha
}

// Captcha is a widget the login page includes in its form, with the CSP
// sources its script needs.
type Captcha struct {
	Provider string // "hcaptcha", "recaptcha", "turnstile"
	SiteKey  string
	Script   string // widget script URL
	// Class is the provider's container class ("h-captcha", "g-recaptcha", "cf-turnstile").
	Class   string
	Origins []string // for CSP script-src and frame-src
}

// Shown reports whether a widget is set.
func (c Captcha) Shown() bool { return c.SiteKey != "" }

// Refusal reasons.
const (
	RefuseRate    = "rate_limited"
	RefuseLocked  = "locked"
	RefuseCaptcha = "captcha"
)

// dataIdentifier keeps the identifier a guarded step used, so Fail and
// Succeed (and the second factor's step) count the same key.
const dataIdentifier = "engine.identifier"

// dataLockable marks that the last guarded step was lockable.
const dataLockable = "engine.lockable"

// Guard runs the defences before a method verifies a credential. It
// returns false when the attempt is refused; it has answered then (429
// with Retry-After, or the login page asking for a CAPTCHA). An empty
// identifier means the flow's user.
func (e *Engine) Guard(w http.ResponseWriter, r *http.Request, f *Flow, a Attempt) bool {
	if e.Defences == nil {
		return true
	}
	if a.Identifier == "" {
		a.Identifier = e.flowIdentifier(r.Context(), f)
	}
	a.UserID, a.TenantID = f.UserID, f.TenantID
	f.Data[dataIdentifier], f.Data[dataLockable] = a.Identifier, strconv.FormatBool(a.Lockable)
	v, err := e.Defences.Check(r, a)
	if err != nil {
		e.Unavailable(w, r, fmt.Errorf("defences: %w", err))
		return false
	}
	if !v.Refused {
		return true
	}
	e.audit(r, f, "login", "failure", v.Reason, a.Action)
	if e.LoginFailed != nil {
		e.LoginFailed(r, a.Action, v.Reason) // admit_logins_total{result="locked"|"rate_limited"|"captcha"}
	}
	e.refuse(w, r, f, v, a)
	return false
}

// flowIdentifier is the identifier of a flow that is past its first
// factor: the one its first step used, else the user's e-mail.
func (e *Engine) flowIdentifier(ctx context.Context, f *Flow) string {
	if id := f.Data[dataIdentifier]; id != "" {
		return id
	}
	if f.UserID == "" {
		return ""
	}
	if u, err := e.Users.GetUser(ctx, f.UserID); err == nil && u.Email != "" {
		return u.Email
	}
	return "user:" + f.UserID
}

// Messages of refusals. The lock message is the same whether or not the
// account exists: unknown identifiers are counted and locked alike.
const (
	msgLocked  = "login.locked" // {{.Duration}}
	msgRate    = "login.rate"   // {{.Duration}}
	msgCaptcha = "login.captcha"
)

func (e *Engine) refuse(w http.ResponseWriter, r *http.Request, f *Flow, v Verdict, a Attempt) {
	if v.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(v.RetryAfter.Seconds()))))
	}
	msg := msgCaptcha
	status := http.StatusBadRequest
	switch v.Reason {
	case RefuseLocked:
		msg, status = i18n.T(r.Context(), msgLocked, "Duration", humanDuration(r.Context(), v.RetryAfter)), http.StatusTooManyRequests
	case RefuseRate:
		msg, status = i18n.T(r.Context(), msgRate, "Duration", humanDuration(r.Context(), v.RetryAfter)), http.StatusTooManyRequests
	}
	if f.AwaitingSecondFactor() {
		e.ErrorPage(w, r, status, "error.wait.title", msg)
		return
	}
	email := a.Identifier
	if len(email) > 5 && email[:5] == "user:" {
		email = ""
	}
	e.renderLoginCaptcha(w, r, f, status, email, msg, v.Captcha)
}

func humanDuration(ctx context.Context, d time.Duration) string {
	// At least a minute: the wait is only ever rounded up.
	return i18n.T(ctx, "common.minutes", "Count", max(1, int(math.Ceil(d.Minutes()))))
}

// defenceFailed reports a failed step of a guarded flow; the verdict is
// refused when this failure locked the identifier or the IP.
func (e *Engine) defenceFailed(r *http.Request, f *Flow, method, reason string) (Verdict, Attempt) {
	e.audit(r, f, "login", "failure", reason, method)
	if e.Devices != nil && f.UserID != "" {
		e.Devices.Failed(r, f.UserID)
	}
	id := f.Data[dataIdentifier]
	a := Attempt{Action: method, Identifier: id, Lockable: true, UserID: f.UserID, TenantID: f.TenantID}
	if !e.consumeGuarded(f) {
		return Verdict{}, a
	}
	v, err := e.Defences.Failed(r, a)
	if err != nil {
		e.Logger.WarnContext(r.Context(), "defences: recording a failure failed", "error", err)
	}
	return v, a
}

// consumeGuarded reports whether the step being reported went through
// Guard as a lockable step, and clears the mark: only that step's outcome
// counts for (or resets) the identifier. A wallet or social failure later
// in the same flow must not count against the e-mail typed before, and a
// success with another account's wallet must not reset its counter.
func (e *Engine) consumeGuarded(f *Flow) bool {
	guarded := e.Defences != nil && f.Data[dataLockable] == "true" && f.Data[dataIdentifier] != ""
	delete(f.Data, dataLockable)
	return guarded
}

// lockedAfterFailure answers a failure that locked the account: the flow
// is kept (a passkey or wallet may still finish it) and the page says why.
func (e *Engine) lockedAfterFailure(w http.ResponseWriter, r *http.Request, f *Flow, v Verdict, a Attempt) {
	if err := e.Flows.PutLoginFlow(r.Context(), f.LoginFlow); err != nil {
		e.Unavailable(w, r, err)
		return
	}
	e.refuse(w, r, f, v, a)
}

// defenceSucceeded resets the counters of the flow's identifier.
func (e *Engine) defenceSucceeded(r *http.Request, f *Flow, method string) {
	e.audit(r, f, "login", "success", "", method)
	id := f.Data[dataIdentifier]
	if !e.consumeGuarded(f) {
		return
	}
	if err := e.Defences.Succeeded(r, Attempt{Action: method, Identifier: id, UserID: f.UserID}); err != nil {
		e.Logger.WarnContext(r.Context(), "defences: reset failed", "error", err)
	}
}

// audit records a login event when an Auditor is configured.
func (e *Engine) audit(r *http.Request, f *Flow, event, outcome, reason, method string) {
	if e.Audit == nil {
		return
	}
	ev := storage.AuditEvent{Event: event, Outcome: outcome, Reason: reason, UserID: f.UserID, ActorID: f.UserID,
		ClientID: f.Client.ID, TenantID: f.TenantID, Details: map[string]string{"method": method}}
	if f.UserID == "" && outcome == "failure" {
		ev.Details["identifier_known"] = "false"
	}
	e.Audit.Record(r.Context(), ev)
}

// Auditor receives the engine's security events (package storage/audit).
type Auditor interface {
	Record(ctx context.Context, e storage.AuditEvent)
}

// CheckAttempt lets handlers outside a login flow (sign-up, forgot
// password, wallet nonce) apply the shared rate limits: it reports the
// verdict; the caller answers.
func (e *Engine) CheckAttempt(r *http.Request, a Attempt) (Verdict, error) {
	if e.Defences == nil {
		return Verdict{}, nil
	}
	return e.Defences.Check(r, a)
}

// RenderRefusal answers a refused CheckAttempt with the friendly 429 page
// (or the given page when it can show the reason inline).
func (e *Engine) RenderRefusal(w http.ResponseWriter, r *http.Request, v Verdict) {
	if v.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(v.RetryAfter.Seconds()))))
	}
	e.ErrorPage(w, r, http.StatusTooManyRequests, "error.wait.title", i18n.T(r.Context(), msgRate, "Duration", humanDuration(r.Context(), v.RetryAfter)))
}

// renderLoginCaptcha is RenderLogin with a given CAPTCHA widget (zero:
// ask the defences whether one is due).
func (e *Engine) renderLoginCaptcha(w http.ResponseWriter, r *http.Request, f *Flow, status int, email, errMsg string, c Captcha) {
	if !c.Shown() {
		c = e.captchaFor(r, email)
	}
	e.renderLogin(w, r, f, status, email, errMsg, c)
}

// captchaFor asks the defences whether the login page needs a CAPTCHA; a
// backend failure shows none (the attempt itself is checked again).
func (e *Engine) captchaFor(r *http.Request, email string) Captcha {
	if e.Defences == nil {
		return Captcha{}
	}
	c, err := e.Defences.CaptchaFor(r, email)
	if err != nil {
		e.Logger.WarnContext(r.Context(), "defences: captcha check failed", "error", err)
	}
	return c
}

// captchaComponent renders the widget and allows its origins in the CSP.
func captchaComponent(w http.ResponseWriter, c Captcha) templ.Component {
	if !c.Shown() {
		return nil
	}
	allowCaptchaOrigins(w, c.Origins)
	return templates.CaptchaWidget(templates.CaptchaView{Provider: c.Provider, Class: c.Class, SiteKey: c.SiteKey, Script: c.Script})
}

// allowCaptchaOrigins adds the provider's origins to script-src, frame-src
// and connect-src, only on pages that show a widget.
func allowCaptchaOrigins(w http.ResponseWriter, origins []string) {
	csp := w.Header().Get("Content-Security-Policy")
	if csp == "" {
		return
	}
	src := ""
	for _, o := range origins {
		if !strings.ContainsAny(o, " ;'") {
			src += " " + o
		}
	}
	csp = strings.Replace(csp, "script-src 'self'", "script-src 'self'"+src, 1)
	w.Header().Set("Content-Security-Policy", csp+"; frame-src 'self'"+src+"; connect-src 'self'"+src)
}

// DeviceTrust recognises the browser a user signs in from (login/device).
// The engine reports every first factor's success and every failure of a
// known user. A new or low-trust device is audited and may be e-mailed
// about; the MFA policy (mfa.go) asks every user who has a second factor
// for it on every new login, so "require the second factor on an untrusted
// device" holds already, and the flag is kept in the flow for policies
// that would skip it on trusted devices.
type DeviceTrust interface {
	// Observe gets the user as the flow read them (Flow.User) when it
	// did, else only their ID, so that it need not read them again.
	Observe(w http.ResponseWriter, r *http.Request, u storage.User) (untrusted bool, err error)
	Failed(r *http.Request, userID string)
}

// dataUntrustedDevice marks a flow whose first factor came from a new or
// low-trust device.
const dataUntrustedDevice = "engine.untrusted_device"

// observeDevice records the first factor's device; a failure only logs.
func (e *Engine) observeDevice(w http.ResponseWriter, r *http.Request, f *Flow) {
	if e.Devices == nil {
		return
	}
	u := f.User
	if u.ID != f.UserID {
		u = storage.User{ID: f.UserID}
	}
	untrusted, err := e.Devices.Observe(w, r, u)
	if err != nil {
		e.Logger.WarnContext(r.Context(), "device trust: not recorded", "error", err)
		return
	}
	if untrusted {
		f.Data[dataUntrustedDevice] = "true"
	}
}

// UntrustedDevice reports whether the flow's first factor came from a new
// or low-trust device.
func (f *Flow) UntrustedDevice() bool { return f.Data[dataUntrustedDevice] == "true" }

// CaptchaWidget is the CAPTCHA widget for a form outside the login page
// (sign-up) when one is due for identifier or the request's IP; it adds
// the provider's origins to w's CSP. Nil when none is due.
func (e *Engine) CaptchaWidget(w http.ResponseWriter, r *http.Request, identifier string) templ.Component {
	return captchaComponent(w, e.captchaFor(r, identifier))
}
