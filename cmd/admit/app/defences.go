package app

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/defence"
	"github.com/admit-idp/admit/login/device"
	"github.com/admit-idp/admit/login/wallet"
	"github.com/admit-idp/admit/op/endpoints"
)

// addDefences wires the shared defences into the login engine: lockout,
// rate limits and CAPTCHA through login.Defences (every method calls
// Engine.Guard), the audit writer, the unlock link, and the wallet nonce
// limiter (the shared limiter replaces its fixed window).
func (a *App) addDefences() {
	g := &defence.Guard{
		Store: a.Stores.Ephemeral, Users: a.Stores.Durable, Policy: a.Config.Defences.policy(),
		Captcha: a.captcha(), Notifier: a.LockoutNotifier, Audit: a.Audit, Now: a.Now, Logger: a.Logger,
		RateLimitFailOpen: a.rateLimitFailOpen,
	}
	g.Unlock = &defence.Unlocker{Signer: a.signer("unlock link"), Issuer: a.Config.Issuer, Guard: g, Engine: a.Engine}
	if a.LockoutNotifier == nil {
		if n := a.lockoutNotifier(); n != nil {
			g.Notifier = n
		}
	}
	a.Defences = g
	a.Engine.Defences, a.Engine.Audit = g, a.Audit
	a.Engine.Methods = append(a.Engine.Methods, g.Unlock)
	a.addDeviceTrust()
	a.wireAccountsDefences(g)
	lim := walletLimiter{g: g}
	for _, m := range a.Engine.Methods {
		if wm, ok := m.(*wallet.Method); ok {
			wm.Limiter = lim
		}
	}
	for _, s := range a.Account.Sections {
		if ws, ok := s.(*wallet.Section); ok {
			ws.Limiter = lim
		}
	}
}

func (a *App) captcha() *defence.Captcha {
	c := a.Config.Defences.Captcha
	p, ok := defence.LookupProvider(c.Provider)
	if !ok {
		return nil
	}
	if c.VerifyURL != "" {
		p.VerifyURL = c.VerifyURL
	}
	return &defence.Captcha{Provider: p, SiteKey: c.SiteKey, Secret: c.Secret, MinScore: c.MinScore, FailOpen: c.FailOpen,
		Client: &http.Client{Timeout: 5 * time.Second}, Logger: a.Logger}
}

// walletLimiter adapts the shared limiter to wallet.Limiter; the key the
// wallet passes ("wallet-nonce:<ip>") is replaced by the IP rule.
type walletLimiter struct{ g *defence.Guard }

func (l walletLimiter) Allow(ctx context.Context, key string) (bool, error) {
	ip := strings.TrimPrefix(key, "wallet-nonce:")
	v, err := l.g.Limit(ctx, defence.ActionWalletNonce, ip, "")
	return !v.Refused, err
}

// rateLimitFailOpen observes a rate limit that could not be checked
// because Redis is unavailable: the request goes on (rate limits fail open,
// so a Redis outage does not lock everyone out), the metric counts it, and
// the log says so once per outage, not once per request.
func (a *App) rateLimitFailOpen(ctx context.Context, action string, err error) {
	a.Metrics.RateLimitFailedOpen(action)
	a.Outages.Failed(ctx, slog.LevelWarn, "rate limits unavailable: requests allowed unchecked (fail open)", err)
}

// protocolLimits rate-limits the token and introspection endpoints per
// client. A limited client gets 429 with Retry-After and the OAuth error
// JSON {"error":"temporarily_unavailable"}: RFC 6749 5.2 has no
// rate-limit code for the token endpoint; "slow_down" belongs to device
// polling (RFC 8628 3.5), while temporarily_unavailable (RFC 6749 4.1.2.1)
// is what clients already retry on, and Admit uses it for outages too.
func (a *App) protocolLimits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// PAR authenticates clients like the token endpoint (RFC 9126 §2)
		// and shares its limit.
		action := map[string]string{"/oauth/token": defence.ActionToken, endpoints.PARPath: defence.ActionToken, "/oauth/introspect": defence.ActionIntrospect}[r.URL.Path]
		if action == "" || r.Method != http.MethodPost || a.Defences == nil {
			next.ServeHTTP(w, r)
			return
		}
		v, err := a.Defences.Limit(r.Context(), action, defence.ClientIP(r), "client:"+requestClientID(r))
		if err != nil {
			a.Logger.WarnContext(r.Context(), "rate limit unavailable; request allowed", "error", err)
		}
		if v.Refused {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(v.RetryAfter.Seconds()))))
			writeOAuthError(w, http.StatusTooManyRequests, "temporarily_unavailable", "too many requests for this client; retry later")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requestClientID is the client named by HTTP Basic or the form (it is
// not authenticated yet: the limit only needs a stable key).
func requestClientID(r *http.Request) string {
	if id, _, ok := r.BasicAuth(); ok {
		return id
	}
	return r.PostFormValue("client_id")
}

var _ login.Defences = (*defence.Guard)(nil)

// addDeviceTrust recognises devices (signed cookie + user agent, language,
// IP prefix), audits new or low-trust ones, e-mails the owner when
// defences.new_device is notify or both, and lists devices in the account
// area. "mfa" needs nothing more: the MFA policy asks every user who has a
// second factor for it on every new login (see login.DeviceTrust).
func (a *App) addDeviceTrust() {
	mode := a.Config.Defences.NewDevice
	if mode == "" {
		mode = "notify"
	}
	t := &device.Trust{
		Store: a.Stores.Durable, Users: a.Stores.Durable, Cookies: a.Engine.Cookies, Signer: a.signer("device cookie"),
		Notify: mode == "notify" || mode == "both", Audit: a.Audit, Now: a.Now, Logger: a.Logger,
	}
	if n := a.lockoutNotifier(); n != nil {
		t.Notifier = n
	}
	a.Engine.Devices = t
	a.Stores.closer = append([]func(){t.Wait}, a.Stores.closer...) // device saves before the audit flush
	a.Account.Sections = append(a.Account.Sections, &device.Section{Area: a.Account, Trust: t})
}
