package defence

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
)

// Actions with a rate limit. Protocol endpoints use Token and Introspect
// with the client ID as identifier.
const (
	ActionLogin          = "login"
	ActionSignUp         = "signup"
	ActionForgotPassword = "forgot_password"
	ActionWalletNonce    = "wallet_nonce"
	ActionTOTP           = "totp"
	ActionPasskey        = "passkey"
	ActionToken          = "token"
	ActionIntrospect     = "introspect"
	// ActionReauth: a password re-entered on an account page.
	ActionReauth = "reauth"
)

// Limits is one action's rate limits; a zero Rate is no limit.
type Limits struct {
	PerIP         storage.Rate
	PerIdentifier storage.Rate
}

// Policy is the configuration of the defences (the old services' values
// by default, see DefaultPolicy).
type Policy struct {
	// Account lockout: Account.Max failures per identifier within
	// Account.Window lock it for Account.LockFor; IPMax failures from one
	// IP lock that IP's password and code steps likewise.
	Account storage.FailurePolicy
	IPMax   int
	// CaptchaAfter failures per identifier or IP (within Account.Window)
	// make the login and sign-up pages ask for a CAPTCHA; 0 never.
	CaptchaAfter int
	Rates        map[string]Limits
	// RateLimits false disables every rate limit (lockout stays).
	RateLimits bool
}

// DefaultPolicy: lockout 5 per 15 minutes for 15 minutes (per IP 10),
// CAPTCHA after 3, and rate limits from rate-limit.service.ts (login 5/min,
// register 3/5 min, wallet 10/min) plus Admit's own for the rest.
func DefaultPolicy() Policy {
	perMin := func(n int) storage.Rate { return storage.Rate{Limit: n, Period: time.Minute} }
	return Policy{
		Account: storage.FailurePolicy{Max: 5, Window: 15 * time.Minute, LockFor: 15 * time.Minute},
		IPMax:   10, CaptchaAfter: 3, RateLimits: true,
		Rates: map[string]Limits{
			ActionLogin:          {PerIP: perMin(5), PerIdentifier: perMin(5)},
			ActionSignUp:         {PerIP: storage.Rate{Limit: 3, Period: 5 * time.Minute}},
			ActionForgotPassword: {PerIP: perMin(5), PerIdentifier: storage.Rate{Limit: 3, Period: 15 * time.Minute}},
			ActionWalletNonce:    {PerIP: perMin(10)},
			ActionTOTP:           {PerIP: perMin(10), PerIdentifier: perMin(5)},
			ActionPasskey:        {PerIP: perMin(20), PerIdentifier: perMin(10)},
			ActionToken:          {PerIdentifier: perMin(600)},
			ActionIntrospect:     {PerIdentifier: perMin(1200)},
			ActionReauth:         {PerIP: perMin(30), PerIdentifier: perMin(10)},
		},
	}
}

// Store is what the defences keep (the ephemeral store).
type Store interface {
	storage.RateLimiter
	storage.FailureCounters
}

// Notifier tells an account's owner about security events by e-mail
// (login/mail when configured). Implementations must not block for long.
type Notifier interface {
	// AccountLocked: password sign-in is paused until until; unlockURL
	// lifts the lock.
	AccountLocked(ctx context.Context, u storage.User, until time.Time, unlockURL string) error
}

// Guard implements login.Defences: one mechanism for every authenticator.
type Guard struct {
	Store Store
	Users interface {
		GetUserByEmail(ctx context.Context, tenantID, email string) (storage.User, error)
	}
	Policy   Policy
	Captcha  *Captcha // nil: no CAPTCHA
	Notifier Notifier // nil: no e-mail
	Unlock   *Unlocker
	Audit    audit.Auditor
	Now      func() time.Time
	Logger   *slog.Logger
	// RateLimitFailOpen, when set, is told of every rate-limit check that
	// could not run because the store is unavailable (metrics, log). Rate
	// limits fail open: the request goes on unchecked.
	RateLimitFailOpen func(ctx context.Context, action string, err error)
}

var _ login.Defences = (*Guard)(nil)

// keys: identifiers are hashed so e-mail addresses never appear in Redis
// keys; IPv6 addresses count per /64 (one host usually has a whole /64).
func acctKey(identifier string) string {
	sum := sha256.Sum256([]byte(identifier))
	return "acct:" + hex.EncodeToString(sum[:16])
}

func ipKey(ip string) string { return "ip:" + IPPrefix(ip) }

// IPPrefix is the address for IPv4 and its /64 for IPv6 (login.IPPrefix).
func IPPrefix(ip string) string { return login.IPPrefix(ip) }

// ClientIP is login.ClientIP (kept so the defences read as one package).
func ClientIP(r *http.Request) string { return login.ClientIP(r) }

// Check implements login.Defences: locks (a locked account hears so
// rather than "slow down"), then rate limits, then CAPTCHA.
func (g *Guard) Check(r *http.Request, a login.Attempt) (login.Verdict, error) {
	ip := ClientIP(r)
	// The lock and rate checks are independent round trips: run them
	// concurrently so the defences cost one Redis round trip, not four.
	var lock, rate login.Verdict
	var lockErr, rateErr error
	var wg sync.WaitGroup
	if a.Lockable {
		wg.Go(func() { lock, lockErr = g.lockVerdict(r.Context(), a.Identifier, ip) })
	}
	rate, rateErr = g.Limit(r.Context(), a.Action, ip, a.Identifier)
	wg.Wait()
	if err := errors.Join(lockErr, rateErr); err != nil {
		return login.Verdict{}, err
	}
	if lock.Refused {
		return lock, nil
	}
	if rate.Refused || !a.Lockable {
		return rate, nil
	}
	return g.checkCaptcha(r, a)
}

// Limit applies action's per-IP and per-identifier rate limits.
func (g *Guard) Limit(ctx context.Context, action, ip, identifier string) (login.Verdict, error) {
	lim, ok := g.Policy.Rates[action]
	if !g.Policy.RateLimits || !ok {
		return login.Verdict{}, nil
	}
	checks := []struct {
		rate storage.Rate
		key  string
	}{{lim.PerIP, "ip:" + IPPrefix(ip)}, {lim.PerIdentifier, "id:" + hashID(identifier)}}
	results := make([]storage.RateResult, len(checks))
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		if c.rate.Limit <= 0 || c.key == "id:" || c.key == "ip:" {
			results[i].Allowed = true
			continue
		}
		wg.Go(func() { results[i], errs[i] = g.Store.AllowRate(ctx, action+":"+c.key, c.rate) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		err = fmt.Errorf("rate limit %s: %w", action, err)
		if !errors.Is(err, storage.ErrUnavailable) {
			return login.Verdict{}, err
		}
		// Fail open: a Redis outage must not lock every user out. Lockout
		// (lockVerdict) is not a rate limit and still refuses to guess.
		if g.RateLimitFailOpen != nil {
			g.RateLimitFailOpen(ctx, action, err)
		}
		return login.Verdict{}, nil
	}
	for _, res := range results {
		if !res.Allowed {
			return login.Verdict{Refused: true, Reason: login.RefuseRate, RetryAfter: max(res.RetryAfter, time.Second)}, nil
		}
	}
	return login.Verdict{}, nil
}

func hashID(identifier string) string {
	if identifier == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(identifier))
	return hex.EncodeToString(sum[:16])
}

// lockVerdict refuses when the identifier or the IP is locked.
func (g *Guard) lockVerdict(ctx context.Context, identifier, ip string) (login.Verdict, error) {
	now := g.Now()
	states, err := g.failureStates(ctx, g.lockKeys(identifier, ip))
	if err != nil {
		return login.Verdict{}, fmt.Errorf("lockout: %w", err)
	}
	for _, st := range states {
		if st.Locked(now) {
			return login.Verdict{Refused: true, Reason: login.RefuseLocked, RetryAfter: st.LockedUntil.Sub(now)}, nil
		}
	}
	return login.Verdict{}, nil
}

// failureStates reads the keys' states concurrently.
func (g *Guard) failureStates(ctx context.Context, keys []string) ([]storage.FailureState, error) {
	out := make([]storage.FailureState, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Go(func() { out[i], errs[i] = g.Store.GetFailures(ctx, k) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func (g *Guard) lockKeys(identifier, ip string) []string {
	keys := []string{ipKey(ip)}
	if identifier != "" {
		keys = append(keys, acctKey(identifier))
	}
	return keys
}

// Failed implements login.Defences: counts the failure for the identifier
// and the IP; the failure that reaches a limit locks, notifies and audits.
func (g *Guard) Failed(r *http.Request, a login.Attempt) (login.Verdict, error) {
	ctx, ip := r.Context(), ClientIP(r)
	ipPolicy := g.Policy.Account
	ipPolicy.Max = g.Policy.IPMax
	ipState, err := g.Store.RecordFailure(ctx, ipKey(ip), ipPolicy)
	if err != nil {
		return login.Verdict{}, fmt.Errorf("lockout: %w", err)
	}
	var acct storage.FailureState
	owner, known := storage.User{ID: a.UserID}, false
	if a.Identifier != "" {
		owner, known = g.lookup(ctx, a)
		if acct, err = g.Store.RecordFailure(g.withOwner(ctx, a, owner), acctKey(a.Identifier), g.Policy.Account); err != nil {
			return login.Verdict{}, fmt.Errorf("lockout: %w", err)
		}
	}
	now := g.Now()
	switch {
	case acct.Count >= g.Policy.Account.Max && acct.Locked(now):
		g.locked(ctx, a, owner, known, "account", acct.LockedUntil)
		return login.Verdict{Refused: true, Reason: login.RefuseLocked, RetryAfter: acct.LockedUntil.Sub(now)}, nil
	case ipState.Count >= g.Policy.IPMax && ipState.Locked(now):
		g.locked(ctx, a, owner, known, "ip", ipState.LockedUntil)
		return login.Verdict{Refused: true, Reason: login.RefuseLocked, RetryAfter: ipState.LockedUntil.Sub(now)}, nil
	}
	return login.Verdict{}, nil
}

// withOwner names the user the account's failure counts against
// (storage.WithLockOwner), so the store that records the lock this failure
// may set announces user.locked for them in the lock's transaction. An
// unknown e-mail names nobody: its lock announces nothing.
func (g *Guard) withOwner(ctx context.Context, a login.Attempt, u storage.User) context.Context {
	return storage.WithLockOwner(ctx, cmp.Or(u.TenantID, a.TenantID, storage.DefaultTenantID), u.ID)
}

// locked audits a new lock and, for an existing account (u, known: the
// attempt's lookup), e-mails its owner.
func (g *Guard) locked(ctx context.Context, a login.Attempt, u storage.User, known bool, scope string, until time.Time) {
	g.Audit.Record(ctx, audit.Event{Event: "lockout", Outcome: audit.Info, Reason: "too_many_failures", UserID: u.ID,
		Details: map[string]string{"scope": scope, "until": until.UTC().Format(time.RFC3339), "method": a.Action}})
	g.Logger.WarnContext(ctx, "defences: sign-in locked", "scope", scope, "user_id", u.ID, "until", until)
	if scope != "account" || !known || g.Notifier == nil || u.Email == "" {
		return
	}
	link := ""
	if g.Unlock != nil {
		link = g.Unlock.URL(a.Identifier, u.TenantID, until)
	}
	if err := g.Notifier.AccountLocked(ctx, u, until, link); err != nil {
		g.Logger.WarnContext(ctx, "defences: lockout notice not sent", "user_id", u.ID, "error", err)
	}
}

func (g *Guard) lookup(ctx context.Context, a login.Attempt) (storage.User, bool) {
	// "user:<id>" (a second-factor step) is no e-mail address: no query
	// can find it, and the attempt names the user already.
	if g.Users == nil || a.Identifier == "" || strings.HasPrefix(a.Identifier, "user:") {
		return storage.User{ID: a.UserID}, false
	}
	u, err := g.Users.GetUserByEmail(ctx, cmp.Or(a.TenantID, storage.DefaultTenantID), a.Identifier)
	if err != nil {
		return storage.User{ID: a.UserID}, false
	}
	return u, true
}

// Succeeded implements login.Defences: a successful sign-in resets the
// identifier's counter (a lock, if any, stays until it ends or is lifted).
func (g *Guard) Succeeded(r *http.Request, a login.Attempt) error {
	if a.Identifier == "" {
		return nil
	}
	return g.Store.ClearFailures(r.Context(), acctKey(a.Identifier), false)
}

// Unlocked lifts the lock of identifier (the unlock link, an
// administrator). owner is the user it resolved in its tenant (zero: none,
// e.g. an unknown address); lifting a lock in force announces
// user.unlocked for them in the lift's own transaction, with how
// (storage.UnlockByLink, storage.UnlockByAdmin). Lifting no lock
// announces nothing.
func (g *Guard) Unlocked(ctx context.Context, identifier string, owner storage.User, how string) error {
	if owner.ID != "" {
		ctx = storage.WithEvents(ctx, storage.NewEvent(storage.EventUserUnlocked, owner.TenantID, owner.ID,
			storage.UnlockedData{UserID: owner.ID, How: how}, g.Now()))
	}
	return g.Store.ClearFailures(ctx, acctKey(identifier), true)
}
