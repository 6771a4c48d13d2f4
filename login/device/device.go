package device

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/admit-idp/admit/keys/signed"
	"github.com/admit-idp/admit/login"
	"github.com/admit-idp/admit/login/defence"
	"github.com/admit-idp/admit/storage"
	"github.com/admit-idp/admit/storage/audit"
)

// CookieName is the device cookie (with __Host- on https).
const CookieName = "admit_device"

// CookieLifetime: browsers cap cookies at 400 days.
const CookieLifetime = 400 * 24 * time.Hour

// LowTrust is the old service's threshold: below it a device is treated
// like a new one.
const LowTrust = 30

// Score is the old device-trust formula: an unknown device scores 0; a
// known one starts at 50, gains up to 20 with age (1 per 10 days), 30/20/10
// for activity within a day/week/month, +5 per success and −10 per
// failure, bounded to 0..100.
func Score(d storage.Device, now time.Time) int {
	if d.ID == "" {
		return 0
	}
	day := 24 * time.Hour
	score := 50 + min(20, int(now.Sub(d.FirstSeen)/day)/10)
	switch since := now.Sub(d.LastSeen); {
	case since < day:
		score += 30
	case since < 7*day:
		score += 20
	case since < 30*day:
		score += 10
	}
	score += 5*d.Successes - 10*d.Failures
	return max(0, min(100, score))
}

// Notifier e-mails a "new sign-in" notice (login/mail when configured).
type Notifier interface {
	NewSignIn(ctx context.Context, u storage.User, d storage.Device) error
}

// Trust recognises the browsers users sign in from.
type Trust struct {
	Store   storage.Devices
	Users   storage.Users
	Cookies login.Cookies
	// Signer signs the cookie (keys/signed; a key of its own derived from
	// the master key), so a browser cannot choose its device token.
	Signer *signed.Signer
	// Notify sends the new-sign-in notice for new or low-trust devices.
	Notify   bool
	Notifier Notifier
	Audit    audit.Auditor
	Now      func() time.Time
	Logger   *slog.Logger

	pending sync.WaitGroup
}

// token returns the browser's valid device token, or "".
func (t *Trust) token(r *http.Request) string {
	v := t.Cookies.Get(r, CookieName)
	tok, err := t.Signer.Verify(v)
	if err != nil {
		return ""
	}
	return string(tok)
}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// Assessment is what a sign-in learned about the device.
type Assessment struct {
	Device storage.Device
	// Score is the trust before this sign-in (0 for a new device).
	Score int
	New   bool
	// user is the signed-in user as the sign-in read them (only ID may be
	// set).
	user storage.User
}

// Untrusted: a new or low-trust device.
func (a Assessment) Untrusted() bool { return a.New || a.Score < LowTrust }

// Succeeded records a successful sign-in of userID from this browser
// (setting the device cookie when it has none) and assesses the device.
func (t *Trust) Succeeded(w http.ResponseWriter, r *http.Request, userID string) (Assessment, error) {
	return t.succeeded(w, r, storage.User{ID: userID})
}

// succeeded is Succeeded for a user the sign-in has already read: the
// new-sign-in notice goes to u.Email without reading the user again (it
// reads them when u has no e-mail, as for Succeeded).
func (t *Trust) succeeded(w http.ResponseWriter, r *http.Request, u storage.User) (Assessment, error) {
	userID := u.ID
	tok := t.token(r)
	fresh := tok == ""
	if fresh {
		tok = rand.Text()
		t.Cookies.Set(w, CookieName, t.Signer.Sign([]byte(tok), CookieLifetime), CookieLifetime)
	}
	now := t.Now()
	var d storage.Device
	if !fresh {
		// A token made just now (128 random bits) names no stored device:
		// only a browser that brought one is looked up.
		var err error
		d, err = t.Store.GetDevice(r.Context(), userID, hashToken(tok))
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return Assessment{}, err
		}
	}
	a := Assessment{Score: Score(d, now), New: d.ID == "", user: u}
	if a.New {
		d = storage.Device{ID: rand.Text(), UserID: userID, TokenHash: hashToken(tok), FirstSeen: now}
	}
	d.UserAgent, d.Language, d.IPPrefix = trimUA(r.UserAgent()), language(r), defence.IPPrefix(defence.ClientIP(r))
	d.LastSeen, d.Successes = now, d.Successes+1
	d.TrustScore = Score(d, now)
	a.Device = d
	// A new device is saved before the sign-in goes on, so the account
	// page that follows lists it. A known device's update (last seen,
	// counters), the audit row and the e-mail need not hold up the
	// sign-in: only the read above decides the assessment.
	if a.New {
		if err := t.Store.SaveDevice(r.Context(), d); err != nil {
			return a, err
		}
	}
	ctx := context.WithoutCancel(r.Context())
	t.pending.Add(1)
	go t.record(ctx, a)
	return a, nil
}

// Wait blocks until the background saves have finished (tests, shutdown).
func (t *Trust) Wait() { t.pending.Wait() }

func (t *Trust) record(ctx context.Context, a Assessment) {
	defer t.pending.Done()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if a.New {
		t.untrusted(ctx, a)
		return
	}
	if err := t.Store.SaveDevice(ctx, a.Device); err != nil {
		t.Logger.WarnContext(ctx, "device: not saved", "user_id", a.Device.UserID, "error", err)
	}
	if a.Untrusted() {
		t.untrusted(ctx, a)
	}
}

// Failed counts a failed factor of userID from this browser's device.
func (t *Trust) Failed(r *http.Request, userID string) {
	tok := t.token(r)
	if tok == "" || userID == "" {
		return
	}
	d, err := t.Store.GetDevice(r.Context(), userID, hashToken(tok))
	if err != nil {
		return
	}
	d.Failures++
	d.TrustScore = Score(d, t.Now())
	if err := t.Store.SaveDevice(r.Context(), d); err != nil {
		t.Logger.WarnContext(r.Context(), "device: recording a failure", "error", err)
	}
}

// untrusted audits the sign-in and sends the notice when configured.
func (t *Trust) untrusted(ctx context.Context, a Assessment) {
	reason := "low_trust"
	if a.New {
		reason = "new_device"
	}
	t.Audit.Record(ctx, audit.Event{Event: "device.new", Outcome: audit.Info, Reason: reason, UserID: a.Device.UserID,
		Details: map[string]string{"device_id": a.Device.ID, "user_agent": a.Device.UserAgent, "ip_prefix": a.Device.IPPrefix}})
	if !t.Notify || t.Notifier == nil {
		return
	}
	u := a.user
	if u.Email == "" {
		var err error
		if u, err = t.Users.GetUser(ctx, a.Device.UserID); err != nil || u.Email == "" {
			return
		}
	}
	if err := t.Notifier.NewSignIn(ctx, u, a.Device); err != nil {
		t.Logger.WarnContext(ctx, "device: new sign-in notice not sent", "user_id", u.ID, "error", err)
	}
}

func trimUA(ua string) string {
	if len(ua) > 256 {
		return ua[:256]
	}
	return ua
}

// language is the first Accept-Language tag.
func language(r *http.Request) string {
	l, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	l, _, _ = strings.Cut(l, ";")
	if len(l) > 35 {
		return ""
	}
	return strings.TrimSpace(l)
}

// Observe implements login.DeviceTrust.
func (t *Trust) Observe(w http.ResponseWriter, r *http.Request, u storage.User) (bool, error) {
	a, err := t.succeeded(w, r, u)
	return a.Untrusted(), err
}

func errorsIsNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }

type requestKey struct{}

// WithRequest lets the account section know the browser's device cookie
// (Section renders with a context only).
func WithRequest(ctx context.Context, r *http.Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

func (t *Trust) tokenFromContext(ctx context.Context) string {
	r, ok := ctx.Value(requestKey{}).(*http.Request)
	if !ok {
		return ""
	}
	return t.token(r)
}
