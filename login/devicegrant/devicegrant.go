package devicegrant

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
	"github.com/admit-idp/admit/templates"
)

// Store is what the pages need of the device authorizations.
type Store interface {
	GetDeviceAuthorizationByUserCode(ctx context.Context, userCode string) (storage.DeviceAuthorization, error)
	DecideDeviceAuthorization(ctx context.Context, userCode string, d storage.DeviceDecision) error
}

// Directory loads the device's client and the signed-in user.
type Directory interface {
	GetClient(ctx context.Context, id string) (storage.Client, error)
	GetUser(ctx context.Context, id string) (storage.User, error)
}

// Limits bound user-code lookups (RFC 8628 5.1).
type Limits struct {
	PerIP  storage.Rate // default 10 per 10 minutes
	Global storage.Rate // default 300 per minute
}

// Default lookup limits: a user who mistypes a few times is never stopped;
// a guesser gets 10 tries per address per 10 minutes, and everyone
// together 300 a minute, against 20^8 possible codes.
var (
	DefaultPerIP  = storage.Rate{Limit: 10, Period: 10 * time.Minute}
	DefaultGlobal = storage.Rate{Limit: 300, Period: time.Minute}
)

// Pages serves /device.
type Pages struct {
	Engine   *login.Engine
	Sessions *login.Sessions
	Cookies  login.Cookies
	Store    Store
	Dir      Directory
	Limiter  storage.RateLimiter
	Limits   Limits
	Audit    audit.Auditor
	Logger   *slog.Logger
	// Gate, when set, may refuse the signed-in user for the device's
	// client, as the browser login's Engine.Gate does (a client that needs
	// a confirmed e-mail address): its answer is the message shown; ""
	// lets the approval go on.
	Gate func(c storage.Client, u storage.User) string
}

// Path is the verification URI's path (RFC 8628 3.2 verification_uri).
const Path = "/device"

// Routes returns the /device router.
func (p *Pages) Routes() chi.Router {
	r := chi.NewRouter()
	r.Get("/", p.entry)
	r.Post("/", p.submitCode)
	r.Get("/approve", p.approvePage)
	r.Post("/approve", p.decide)
	return r
}

// entry shows the code form, filled in from verification_uri_complete
// (?user_code=): the user confirms the code instead of having it used
// silently (RFC 8628 3.3.1).
func (p *Pages) entry(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("user_code")
	if len(code) > 20 {
		code = ""
	}
	p.renderEntry(w, r, http.StatusOK, code, "")
}

func (p *Pages) renderEntry(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	csrf, err := p.Cookies.CSRFToken(w, r)
	if err != nil {
		p.Engine.Unavailable(w, r, err)
		return
	}
	login.Render(w, r, status, templates.DeviceCodePage(templates.DeviceCodeView{CSRFToken: csrf, UserCode: code, Error: msg}))
}

// submitCode checks the typed code and continues to the approval page.
func (p *Pages) submitCode(w http.ResponseWriter, r *http.Request) {
	if !p.Cookies.CheckCSRF(r) {
		p.Engine.ErrorPage(w, r, http.StatusForbidden, "device.form_expired.title", "device.form_expired.reload")
		return
	}
	typed := r.PostFormValue("user_code")
	d, ok := p.lookup(w, r, typed, func(status int, msg string) { p.renderEntry(w, r, status, typed, msg) })
	if !ok {
		return
	}
	http.Redirect(w, r, approveURL(d.UserCode), http.StatusSeeOther)
}

func approveURL(code string) string {
	return Path + "/approve?user_code=" + url.QueryEscape(storage.FormatUserCode(code))
}

// errUnknownCode is what a wrong, expired or used code shows: the three
// are not told apart.
const errUnknownCode = "device.unknown_code"

// lookup applies the limits and finds a pending authorization. On failure
// it has answered through fail (or an error page) and reports false.
//
// Every lookup counts against the per-IP limit; only a failed one (a code
// that is not well formed, unknown, expired or used) counts against the
// global limit, so legitimate approvals, which look their code up several
// times, never spend it and an attacker's failed guesses cannot keep
// everyone's /device refused (RFC 8628 5.1: the limit is on guessing).
// While the global budget is spent every lookup is refused, so a guess
// that would hit is refused too.
func (p *Pages) lookup(w http.ResponseWriter, r *http.Request, typed string, fail func(status int, msg string)) (storage.DeviceAuthorization, bool) {
	refuse := func(retry time.Duration) {
		w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds()+1)))
		fail(http.StatusTooManyRequests, "device.too_many")
	}
	if retry, ok := p.allowed(w, r); !ok {
		if retry > 0 {
			refuse(retry)
		}
		return storage.DeviceAuthorization{}, false
	}
	failed := func(reason string) {
		retry, ok := p.allow(w, r, "device_code:global", orRate(p.Limits.Global, DefaultGlobal))
		switch {
		case !ok && retry > 0:
			refuse(retry)
		case ok:
			if reason != "" {
				p.audit(r, "device.code", audit.Failure, reason, storage.DeviceAuthorization{}, "", "")
			}
			fail(http.StatusBadRequest, errUnknownCode)
		}
	}
	code := storage.NormalizeUserCode(typed)
	if code == "" {
		failed("")
		return storage.DeviceAuthorization{}, false
	}
	d, err := p.Store.GetDeviceAuthorizationByUserCode(r.Context(), code)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		failed("unknown_code")
		return storage.DeviceAuthorization{}, false
	case err != nil:
		p.Engine.Unavailable(w, r, err)
		return storage.DeviceAuthorization{}, false
	}
	return d, true
}

// allowed counts one lookup against the per-IP limit and checks, without
// counting, that the global limit (of failed lookups) is not spent; on a
// refusal it returns how long to wait (zero when it has answered a backend
// failure itself).
func (p *Pages) allowed(w http.ResponseWriter, r *http.Request) (time.Duration, bool) {
	if retry, ok := p.allow(w, r, "device_code:ip:"+login.ClientPrefix(r), orRate(p.Limits.PerIP, DefaultPerIP)); !ok {
		return retry, false
	}
	peeker, ok := p.Limiter.(storage.RatePeeker)
	if !ok {
		return 0, true
	}
	res, err := peeker.PeekRate(r.Context(), "device_code:global", orRate(p.Limits.Global, DefaultGlobal))
	if err != nil {
		p.Engine.Unavailable(w, r, err)
		return 0, false
	}
	if !res.Allowed {
		p.audit(r, "device.code", audit.Failure, "rate_limited", storage.DeviceAuthorization{}, "", "")
		return max(res.RetryAfter, time.Second), false
	}
	return 0, true
}

// allow counts one event for key against rate, as allowed does.
func (p *Pages) allow(w http.ResponseWriter, r *http.Request, key string, rate storage.Rate) (time.Duration, bool) {
	res, err := p.Limiter.AllowRate(r.Context(), key, rate)
	if err != nil {
		p.Engine.Unavailable(w, r, err)
		return 0, false
	}
	if !res.Allowed {
		p.audit(r, "device.code", audit.Failure, "rate_limited", storage.DeviceAuthorization{}, "", "")
		return max(res.RetryAfter, time.Second), false
	}
	return 0, true
}

func orRate(r, def storage.Rate) storage.Rate {
	if r.Limit <= 0 || r.Period <= 0 {
		return def
	}
	return r
}
