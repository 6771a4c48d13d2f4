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
		p.Engine.ErrorPage(w, r, http.StatusForbidden, "This form has expired", "Reload the page and enter the code again.")
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
const errUnknownCode = "That code is not valid. Check the code on your device; if it has expired, start again on the device."

// lookup applies the limits and finds a pending authorization. On failure
// it has answered through fail (or an error page) and reports false.
func (p *Pages) lookup(w http.ResponseWriter, r *http.Request, typed string, fail func(status int, msg string)) (storage.DeviceAuthorization, bool) {
	if retry, ok := p.allowed(w, r); !ok {
		if retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds()+1)))
			fail(http.StatusTooManyRequests, "Too many codes were tried. Wait a few minutes, then try again.")
		}
		return storage.DeviceAuthorization{}, false
	}
	code := storage.NormalizeUserCode(typed)
	if code == "" {
		fail(http.StatusBadRequest, errUnknownCode)
		return storage.DeviceAuthorization{}, false
	}
	d, err := p.Store.GetDeviceAuthorizationByUserCode(r.Context(), code)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		p.audit(r, "device.code", audit.Failure, "unknown_code", storage.DeviceAuthorization{}, "", "")
		fail(http.StatusBadRequest, errUnknownCode)
		return storage.DeviceAuthorization{}, false
	case err != nil:
		p.Engine.Unavailable(w, r, err)
		return storage.DeviceAuthorization{}, false
	}
	return d, true
}

// allowed counts one lookup against the per-IP and the global limit; on a
// refusal it returns how long to wait (zero when it has answered a backend
// failure itself).
func (p *Pages) allowed(w http.ResponseWriter, r *http.Request) (time.Duration, bool) {
	for _, l := range []struct {
		key  string
		rate storage.Rate
	}{
		{"device_code:ip:" + login.ClientPrefix(r), orRate(p.Limits.PerIP, DefaultPerIP)},
		{"device_code:global", orRate(p.Limits.Global, DefaultGlobal)},
	} {
		res, err := p.Limiter.AllowRate(r.Context(), l.key, l.rate)
		if err != nil {
			p.Engine.Unavailable(w, r, err)
			return 0, false
		}
		if !res.Allowed {
			p.audit(r, "device.code", audit.Failure, "rate_limited", storage.DeviceAuthorization{}, "", "")
			return max(res.RetryAfter, time.Second), false
		}
	}
	return 0, true
}

func orRate(r, def storage.Rate) storage.Rate {
	if r.Limit <= 0 || r.Period <= 0 {
		return def
	}
	return r
}
